-- +goose Up
-- The seats of an event with a capacity are counted in sixteen rows of their own instead of one
-- counter on the event's row. Each row holds a share of the seats still free and counts the
-- seats taken through it; a registration takes a seat from whichever row no other registration
-- holds at that moment (SKIP LOCKED), so a rush of registrations no longer takes turns on one
-- row. Whatever changes the seats otherwise (cancellations, organizers, a new capacity) holds
-- the event's lock and all sixteen rows, and writes the count back as taken in row 0 and the
-- free seats spread evenly. An event without a capacity has no rows here.
CREATE TABLE event_seats (
    event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    shard smallint NOT NULL CHECK (shard BETWEEN 0 AND 15),
    taken integer NOT NULL DEFAULT 0 CHECK (taken >= 0),
    free integer NOT NULL DEFAULT 0 CHECK (free >= 0),
    PRIMARY KEY (event_id, shard)
) WITH (fillfactor = 50);

INSERT INTO event_seats (event_id, shard, taken, free)
SELECT e.id, s.shard, CASE WHEN s.shard = 0 THEN e.confirmed_count ELSE 0 END,
    greatest(e.capacity - e.confirmed_count, 0) / 16
        + CASE WHEN s.shard < greatest(e.capacity - e.confirmed_count, 0) % 16 THEN 1 ELSE 0 END
FROM events e CROSS JOIN generate_series(0, 15) AS s(shard)
WHERE e.capacity IS NOT NULL;

ALTER TABLE events DROP COLUMN confirmed_count;

-- +goose Down
ALTER TABLE events ADD COLUMN confirmed_count integer NOT NULL DEFAULT 0 CHECK (confirmed_count >= 0);
UPDATE events e SET confirmed_count = s.taken
FROM (SELECT event_id, sum(taken) AS taken FROM event_seats GROUP BY event_id) s
WHERE s.event_id = e.id;
DROP TABLE event_seats;
