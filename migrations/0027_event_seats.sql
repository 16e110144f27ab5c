-- +goose Up
-- The seats of an event with a capacity are counted in lanes instead of one counter on the
-- event's row: a registration takes a seat in any lane with room, so a rush queues on sixteen
-- rows instead of one and commits in parallel. Each lane may count up to its quota; the quotas
-- add up to the seats left plus those taken, and are spread again under the event's lock when
-- a lane runs out, a seat is freed or the capacity changes. Lanes are made when first needed.
CREATE TABLE event_seats (
    event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    lane smallint NOT NULL,
    taken integer NOT NULL DEFAULT 0 CHECK (taken >= 0),
    quota integer NOT NULL DEFAULT 0 CHECK (quota >= 0),
    PRIMARY KEY (event_id, lane),
    CHECK (taken <= quota)
);
ALTER TABLE events DROP COLUMN confirmed_count;

-- +goose Down
ALTER TABLE events ADD COLUMN confirmed_count integer NOT NULL DEFAULT 0 CHECK (confirmed_count >= 0);
UPDATE events e SET confirmed_count = (SELECT count(*) FROM registrations r WHERE r.event_id = e.id AND r.status = 'confirmed');
DROP TABLE event_seats;
