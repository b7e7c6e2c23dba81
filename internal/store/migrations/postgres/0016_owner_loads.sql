-- Each owner's open customers (stage new, contacted, engaged, qualified or
-- opportunity), kept by a trigger on processes, so that assigning a
-- customer reads a row per owner instead of counting every open process (a
-- count that made opening a process slower the more were open).
CREATE TABLE owner_loads (
    owner_id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    open     BIGINT NOT NULL DEFAULT 0
);
INSERT INTO owner_loads (owner_id, open)
SELECT owner_id, count(*) FROM processes
WHERE owner_id IS NOT NULL AND stage IN ('new', 'contacted', 'engaged', 'qualified', 'opportunity')
GROUP BY owner_id;

CREATE FUNCTION leadhub_owner_load() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.owner_id IS NOT NULL
       AND OLD.stage IN ('new', 'contacted', 'engaged', 'qualified', 'opportunity') THEN
        UPDATE owner_loads SET open = open - 1 WHERE owner_id = OLD.owner_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.owner_id IS NOT NULL
       AND NEW.stage IN ('new', 'contacted', 'engaged', 'qualified', 'opportunity') THEN
        INSERT INTO owner_loads (owner_id, open) VALUES (NEW.owner_id, 1)
        ON CONFLICT (owner_id) DO UPDATE SET open = owner_loads.open + 1;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER processes_owner_load AFTER INSERT OR UPDATE OF owner_id, stage OR DELETE ON processes
FOR EACH ROW EXECUTE FUNCTION leadhub_owner_load();
