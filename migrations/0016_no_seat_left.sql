-- +goose Up
-- A registration is one statement that writes the registration and its messages first and
-- takes its seat last, so that the event's row stays locked only for the end of that statement.
-- When no seat is left, the statement stops itself with this error (SQLSTATE PS001), which
-- undoes everything it wrote; the caller then decides again under the event's lock, with the
-- waitlist. SQL has no statement that raises an error, so this is the one PL/pgSQL function.
-- +goose StatementBegin
CREATE FUNCTION no_seat_left() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'no seat left' USING ERRCODE = 'PS001';
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION no_seat_left();
