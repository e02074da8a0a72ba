-- Prefect's own state lives in a database beside ipcase's (SQLite is not for concurrent servers).
CREATE DATABASE prefect OWNER ipcase;
