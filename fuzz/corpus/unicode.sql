-- strata:up
SELECT 'héllo', "naïve", $é$ x $é$;
 -- strata:down
SELECT 1; 
