DROP INDEX posts_author_published;
