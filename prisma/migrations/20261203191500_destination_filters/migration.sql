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
  child record\073
  sub record\073
  location jsonpath\073
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
    FOR child IN SELECT value, ordinality - 1 AS list_index FROM jsonb_array_elements(filter -> operator) WITH ORDINALITY LOOP
      SELECT * INTO sub FROM lead_filter_decision(child.value, document, prefix || operator || ''.'' || child.list_index || ''.'')\073
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
    SELECT * INTO sub FROM lead_filter_decision(filter -> ''not'', document, prefix || ''not.'')\073
    matches := NOT sub.matches\073
    held := sub.held\073
    decided_by := sub.decided_by\073
    RETURN\073
  END IF\073
  operator := CASE WHEN filter ? ''equals'' THEN ''equals'' WHEN filter ? ''in'' THEN ''in'' WHEN filter ? ''exists'' THEN ''exists'' END\073
  IF operator IS NULL OR jsonb_typeof(filter -> ''field'') IS DISTINCT FROM ''string'' THEN
    RETURN\073
  END IF\073
  wanted := CASE operator WHEN ''in'' THEN filter -> ''in'' ELSE jsonb_build_array(filter -> operator) END\073
  IF jsonb_typeof(wanted) IS DISTINCT FROM ''array'' THEN
    RETURN\073
  END IF\073
  decided_by := prefix || operator\073
  -- activities.property.state reads $."activities"."property"."state"[*]: in lax mode the path
  -- goes into every activity of the list, and [*] into a list value (tags), or takes a single one.
  location := (''$'' || (SELECT string_agg(''.'' || to_jsonb(part)::text, '''' ORDER BY part_number)
                       FROM unnest(string_to_array(filter ->> ''field'', ''.'')) WITH ORDINALITY AS parts (part, part_number)) || ''[*]'')::jsonpath\073
  IF operator = ''exists'' THEN
    -- Absent, null and the empty string (the email of a lead known by phone only) are not there.
    held := EXISTS (SELECT FROM jsonb_path_query(document, location) AS found (value) WHERE found.value NOT IN (''null'', ''""''))
            = (jsonb_typeof(filter -> ''exists'') = ''boolean'' AND (filter ->> ''exists'')::boolean)\073
  ELSE
    -- Any value found equal to any value listed: strings ignoring case, numbers by value.
    held := EXISTS (
      SELECT FROM jsonb_path_query(document, location) AS found (value), jsonb_array_elements(wanted) AS listed (value)
      WHERE CASE WHEN jsonb_typeof(found.value) = ''string'' AND jsonb_typeof(listed.value) = ''string''
                 THEN lower(found.value #>> ''{}'') = lower(listed.value #>> ''{}'')
                 ELSE found.value = listed.value END)\073
  END IF\073
  matches := held\073
END\073
';

CREATE FUNCTION "lead_filter_matches"(filter JSONB, document JSONB) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
'SELECT matches FROM lead_filter_decision(filter, document)';
