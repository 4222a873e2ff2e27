-- Field filters: which leads a destination receives, checked on the lead document when its events
-- fan out. NULL takes every lead. LeadFilterSchema (packages/lead-filter) checks what is stored,
-- and the check keeps JSON null apart from NULL, which the fan-out reads as no filter.
ALTER TABLE "destinations" ADD COLUMN "filter" JSONB,
    ADD CONSTRAINT "destinations_filter_is_object" CHECK (jsonb_typeof("filter") = 'object');

-- The one home of what a filter means (see LeadFilter in packages/lead-filter): the fan-out
-- statement calls lead_filter_matches and the filter test lead_filter_decision, so the two
-- cannot disagree. decided_by names the condition that decided, as a path into the filter
-- (all.1.in), or the all or any list itself when every filter in it held, or none did. held is
-- what that condition itself came to, before any not around it turned it over.
-- Prisma's migration runner splits a script at every semicolon, dollar quotes included, so the
-- function body spells its semicolons as the escape \073 in an E'' string.
CREATE FUNCTION "lead_filter_decision"(filter JSONB, document JSONB, prefix TEXT DEFAULT '',
    OUT matches BOOLEAN, OUT held BOOLEAN, OUT decided_by TEXT)
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS
E'DECLARE
  operator text\073
  list_index integer\073
  sub record\073
  location text\073
  wanted jsonb\073
BEGIN
  -- Stored filters passed LeadFilterSchema. Anything else takes no lead, rather than failing
  -- the fan-out of every destination.
  matches := false\073
  held := false\073
  decided_by := rtrim(prefix, ''.'')\073
  IF jsonb_typeof(filter) IS DISTINCT FROM ''object'' THEN
    RETURN\073
  END IF\073
  IF filter ? ''all'' OR filter ? ''any'' THEN
    operator := CASE WHEN filter ? ''all'' THEN ''all'' ELSE ''any'' END\073
    IF jsonb_typeof(filter -> operator) IS DISTINCT FROM ''array'' THEN
      RETURN\073
    END IF\073
    -- all: the first filter that fails decides, any: the first that holds. When none does,
    -- the list itself decided (all held, or none did).
    FOR list_index IN 0 .. jsonb_array_length(filter -> operator) - 1 LOOP
      sub := lead_filter_decision(filter -> operator -> list_index, document, prefix || operator || ''.'' || list_index || ''.'')\073
      IF sub.matches = (operator = ''any'') THEN
        matches := sub.matches\073
        held := sub.held\073
        decided_by := sub.decided_by\073
        RETURN\073
      END IF\073
    END LOOP\073
    matches := (operator = ''all'')\073
    held := matches\073
    decided_by := prefix || operator\073
    RETURN\073
  END IF\073
  IF filter ? ''not'' THEN
    -- The condition that decided the inner filter decides, its outcome turned over.
    sub := lead_filter_decision(filter -> ''not'', document, prefix || ''not.'')\073
    matches := NOT sub.matches\073
    held := sub.held\073
    decided_by := sub.decided_by\073
    RETURN\073
  END IF\073
  operator := CASE WHEN filter ? ''equals'' THEN ''equals'' WHEN filter ? ''in'' THEN ''in'' WHEN filter ? ''exists'' THEN ''exists'' END\073
  wanted := CASE operator WHEN ''in'' THEN filter -> ''in'' ELSE jsonb_build_array(filter -> operator) END\073
  IF operator IS NULL OR jsonb_typeof(wanted) IS DISTINCT FROM ''array'' OR (filter ->> ''field'') !~ ''^[a-z_]+([.][a-z_]+)*$'' THEN
    RETURN\073
  END IF\073
  decided_by := prefix || operator\073
  -- activities.property.state reads $."activities"."property"."state"[*]: in lax mode the path
  -- goes into every activity of the list, and [*] into a list value (tags), or takes a single one.
  location := ''$."'' || replace(filter ->> ''field'', ''.'', ''"."'') || ''"[*]''\073
  IF operator = ''exists'' THEN
    -- Absent, null and the empty string (the email of a lead known by phone only) are not there.
    held := jsonb_path_exists(document, (location || '' ? ((@.type() == "string" && @ != "") || (@.type() != "string" && @.type() != "null"))'')::jsonpath)
            = (jsonb_typeof(filter -> ''exists'') = ''boolean'' AND (filter ->> ''exists'')::boolean)\073
  ELSE
    -- Any value found equal to any value listed. Lowering the JSON text of both lowers their
    -- strings only (keys, true, false and null are lower case already), so strings compare
    -- ignoring case, and the jsonpath == compares numbers by value and never a string with a number.
    held := jsonb_path_exists(lower(jsonb_path_query_array(document, location::jsonpath)::text)::jsonb, ''$[*] ? (@ == $listed[*])'',
                              jsonb_build_object(''listed'', lower(wanted::text)::jsonb))\073
  END IF\073
  matches := held\073
END\073
';

CREATE FUNCTION "lead_filter_matches"(filter JSONB, document JSONB) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
'SELECT (lead_filter_decision(filter, document)).matches';
