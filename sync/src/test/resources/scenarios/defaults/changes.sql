INSERT INTO legacy.item VALUES (3, 'three');
UPDATE legacy.item SET label = 'TWO' WHERE id = 2;
