-- Roles and databases of the PostgreSQL container of docker-compose.yml (run once, by psql, on
-- an empty data directory). Each service logs in with a role of its own that owns its database
-- and nothing else; the console's role owns ki_console and may only connect to the services'
-- databases and read their inbox tables (granted to ki_inbox_reader by the messaging migration
-- InboxReaderGrant). Passwords come from the environment (.env, see .env.example).
-- Locally, infra/postgres/setup.mjs creates the services' databases (the console's too); databases.json lists them.
\set ON_ERROR_STOP on
\getenv registry_password REGISTRY_DB_PASSWORD
\getenv ledger_password LEDGER_DB_PASSWORD
\getenv notifications_password NOTIFICATIONS_DB_PASSWORD
\getenv console_password CONSOLE_DB_PASSWORD

CREATE ROLE ki_registry LOGIN PASSWORD :'registry_password';
CREATE ROLE ki_ledger LOGIN PASSWORD :'ledger_password';
CREATE ROLE ki_notifications LOGIN PASSWORD :'notifications_password';
CREATE ROLE ki_console LOGIN PASSWORD :'console_password';
CREATE ROLE ki_inbox_reader NOLOGIN;
GRANT ki_inbox_reader TO ki_console;

CREATE DATABASE ki_registry OWNER ki_registry;
CREATE DATABASE ki_ledger OWNER ki_ledger;
CREATE DATABASE ki_notifications OWNER ki_notifications;
CREATE DATABASE ki_console OWNER ki_console;

-- No role connects to a database it does not own, except the console to read the inboxes.
REVOKE ALL ON DATABASE ki_registry, ki_ledger, ki_notifications, ki_console FROM PUBLIC;
GRANT CONNECT ON DATABASE ki_registry, ki_ledger, ki_notifications TO ki_console;
