-- +goose Up
-- Accounts are made and looked after from the pages: an admin or organizer invites a person by
-- mail, who sets name and password with the link; anyone can reset a forgotten password by mail.
--
-- pending: invited, has not set name and password yet (cannot log in). disabled_at: an admin
-- disabled the account; it cannot log in, and its sessions and API tokens do not work.
ALTER TABLE users
    ADD COLUMN pending       boolean     NOT NULL DEFAULT false,
    ADD COLUMN disabled_at   timestamptz,
    ADD COLUMN last_login_at timestamptz;

-- The links of invitation and password reset mails. As with registrations' manage tokens, the
-- token is derived from PODIUM_SECRET and the salt, so that the mail worker can put it into the
-- mail, and only its hash is stored to find the link. A user has at most one link of each
-- purpose: a new one replaces the old, and a link is deleted when it is used.
CREATE TABLE account_links (
    id         bigserial   PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text        NOT NULL CHECK (purpose IN ('invitation', 'reset')),
    token_salt bytea       NOT NULL,
    token_hash bytea       NOT NULL UNIQUE,
    language   text        NOT NULL CHECK (language IN ('de', 'en')),
    -- who sent the invitation, named in its mail
    invited_by bigint      REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    UNIQUE (user_id, purpose)
);
CREATE INDEX account_links_expires_idx ON account_links (expires_at);

-- A message about an account link instead of a registration; the message goes when its link
-- goes (replaced, used, expired).
ALTER TABLE outbox ADD COLUMN account_link_id bigint REFERENCES account_links (id) ON DELETE CASCADE;
CREATE INDEX outbox_account_link_idx ON outbox (account_link_id) WHERE account_link_id IS NOT NULL;

-- +goose Down
DROP INDEX outbox_account_link_idx;
ALTER TABLE outbox DROP COLUMN account_link_id;
DROP TABLE account_links;
ALTER TABLE users DROP COLUMN last_login_at, DROP COLUMN disabled_at, DROP COLUMN pending;
