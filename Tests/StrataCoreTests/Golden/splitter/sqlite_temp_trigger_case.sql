CREATE TEMP TRIGGER orders_au AFTER UPDATE OF status ON orders
WHEN new.status <> old.status
BEGIN
    INSERT INTO order_events (order_id, label)
    VALUES (new.id, CASE new.status WHEN 'shipped' THEN 'out; for delivery' ELSE new.status END);
    UPDATE orders SET flagged = CASE WHEN new.total > 1000 THEN 1 ELSE 0 END WHERE id = new.id;
    SELECT CASE WHEN new.total < 0 THEN RAISE(ABORT, 'negative total') END;
END;
CREATE TEMPORARY TRIGGER IF NOT EXISTS orders_ad AFTER DELETE ON orders
BEGIN
    DELETE FROM order_events WHERE order_id = old.id;
END;
SELECT 1;
