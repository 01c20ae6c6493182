;;
SELECT 1;;; SELECT 2;
  ;  /* nothing */ ; -- still nothing
;
