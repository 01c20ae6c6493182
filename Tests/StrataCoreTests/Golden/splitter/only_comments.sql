-- nothing here
/* really
   nothing; */

-- done
