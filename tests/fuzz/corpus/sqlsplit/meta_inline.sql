select 1 \ 2; select '
\x
';