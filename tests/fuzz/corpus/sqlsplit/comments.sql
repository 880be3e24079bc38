/* outer /* nested; */ still; */ select 1 -- x;
+ 2; /* /* */ select 3;