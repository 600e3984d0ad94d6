INSERT INTO legacy.product VALUES (3, 'Grinder – Mühle', '7', 120.10, 'DIS', '{"w": [1, 2.5]}', '1999-12-31 23:59:59');
UPDATE legacy.product SET stock_text = '11', price = 18.49, attrs = '{"colour": "blue"}' WHERE prod_id = 1;
DELETE FROM legacy.product WHERE prod_id = 2;
