-- +goose Up
-- A worker claims due messages by leasing them: who holds a message and until when, by the
-- database's clock. It sends them outside any transaction and records each outcome only while
-- the lease is its own; a lease that runs out (its worker died) lets any worker claim the
-- message again. No row lock or transaction is held while a mail server answers.
ALTER TABLE outbox ADD COLUMN leased_by text, ADD COLUMN leased_until timestamptz;

-- +goose Down
ALTER TABLE outbox DROP COLUMN leased_until, DROP COLUMN leased_by;
