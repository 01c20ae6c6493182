SELECT author_id FROM posts WHERE author_id = 0 AND published_at IS NULL;
