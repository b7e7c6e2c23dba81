-- The audit log filtered by action or by actor (the web app's filters)
-- reads one action's or one actor's entries newest first from an index
-- instead of scanning the whole log.
CREATE INDEX audit_log_action_id ON audit_log (action, id);
CREATE INDEX audit_log_actor_id ON audit_log (actor, id);
