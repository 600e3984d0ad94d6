CREATE SCHEMA app;
CREATE TABLE app.person (
    id           bigint PRIMARY KEY,
    first_name   text NOT NULL,
    last_name    text NOT NULL,
    email        text,
    display_name text NOT NULL,
    address      text,
    age_group    text NOT NULL
);
