-- +goose Up
-- What a person agreed to when registering: the consent sentence and privacy note of the form,
-- in both languages, and the privacy statement they linked to, under a version named after
-- their content. A registration names the version it accepted, so that what it agreed to can
-- be shown years later, after the texts have changed.
CREATE TABLE consent_texts (
    version           text        PRIMARY KEY,
    consent_de        text        NOT NULL,
    consent_en        text        NOT NULL,
    privacy_statement text        NOT NULL,
    first_used_at     timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE registrations ADD COLUMN consent_version text REFERENCES consent_texts (version);

-- +goose Down
ALTER TABLE registrations DROP COLUMN consent_version;
DROP TABLE consent_texts;
