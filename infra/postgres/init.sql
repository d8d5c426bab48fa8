-- Databases of the services for the PostgreSQL container of docker-compose.yml.
-- (Locally, infra/postgres/setup.mjs creates the same ones; infra/postgres/databases.json lists them.)
CREATE DATABASE ki_registry;
CREATE DATABASE ki_ledger;
CREATE DATABASE ki_notifications;
