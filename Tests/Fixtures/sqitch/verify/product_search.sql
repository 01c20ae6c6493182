-- Verify shop:product_search on pg

SELECT 1/count(*) FROM pg_indexes WHERE indexname = 'products_name_search';
