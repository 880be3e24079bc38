select 1; select 2;
-- c
;;select 3