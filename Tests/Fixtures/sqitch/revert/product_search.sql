-- Revert shop:product_search from pg

DROP INDEX CONCURRENTLY products_name_search;
