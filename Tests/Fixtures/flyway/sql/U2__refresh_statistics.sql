DROP TABLE customer_stats;
