-- The team backend: the seed's schema (user_profiles, videos, video_scenes, search_queries) on
-- Postgres + pgvector, with row-level security by owner and team, the way Supabase does it.

CREATE EXTENSION IF NOT EXISTS vector;

-- Supabase provides the `auth` schema and auth.uid(). A plain Postgres gets a compatible one: the
-- caller's id is the `sub` claim of the access token, set per transaction in request.jwt.claims.
CREATE SCHEMA IF NOT EXISTS auth;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                   WHERE n.nspname = 'auth' AND p.proname = 'uid') THEN
        EXECUTE $f$
            CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $body$
                SELECT coalesce(
                    nullif(current_setting('request.jwt.claim.sub', true), ''),
                    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
                )::uuid
            $body$
        $f$;
    END IF;
END
$$;

-- The role requests run as (Supabase has it; create it elsewhere). Superusers bypass RLS, so
-- the app never connects as one for user requests.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        CREATE ROLE authenticated NOLOGIN;
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS teams (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS user_profiles (
    id           uuid PRIMARY KEY,            -- auth.users.id on Supabase
    email        text,
    display_name text,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS team_members (
    team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES user_profiles (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE IF NOT EXISTS videos (
    id            uuid PRIMARY KEY,           -- stable: derived from the content hash
    content_hash  text NOT NULL,
    owner_id      uuid NOT NULL,
    team_id       uuid REFERENCES teams (id) ON DELETE SET NULL,
    file_name     text NOT NULL,
    duration_secs double precision NOT NULL,
    width         integer,
    height        integer,
    created_at    timestamptz,                -- from the file's metadata
    status        text NOT NULL DEFAULT 'ready',
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, content_hash)
);

CREATE TABLE IF NOT EXISTS video_scenes (
    id              uuid PRIMARY KEY,         -- stable: derived from content hash + scene index
    video_id        uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    owner_id        uuid NOT NULL,
    team_id         uuid,
    scene_index     integer NOT NULL,
    start_secs      double precision NOT NULL,
    end_secs        double precision NOT NULL,
    combined_text   text NOT NULL DEFAULT '',
    transcript      text NOT NULL DEFAULT '',
    thumbnail_ref   text,
    text_model      text,
    text_embedding  vector(384),
    image_model     text,
    image_embedding vector(512),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (video_id, scene_index)
);
CREATE INDEX IF NOT EXISTS video_scenes_text_hnsw ON video_scenes USING hnsw (text_embedding vector_cosine_ops);
CREATE INDEX IF NOT EXISTS video_scenes_image_hnsw ON video_scenes USING hnsw (image_embedding vector_cosine_ops);
CREATE INDEX IF NOT EXISTS video_scenes_owner ON video_scenes (owner_id);
CREATE INDEX IF NOT EXISTS video_scenes_team ON video_scenes (team_id);

CREATE TABLE IF NOT EXISTS search_queries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      uuid NOT NULL DEFAULT auth.uid(),
    query        text NOT NULL,
    result_count integer NOT NULL,
    opened_scene uuid,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Row-level security: a user sees their own rows and their teams' rows, and writes only their own.
ALTER TABLE videos ENABLE ROW LEVEL SECURITY;
ALTER TABLE video_scenes ENABLE ROW LEVEL SECURITY;
ALTER TABLE search_queries ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE team_members ENABLE ROW LEVEL SECURITY;

CREATE OR REPLACE FUNCTION my_team_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT team_id FROM team_members WHERE user_id = (SELECT auth.uid())
$$;

DROP POLICY IF EXISTS videos_read ON videos;
CREATE POLICY videos_read ON videos FOR SELECT TO authenticated
    USING (owner_id = (SELECT auth.uid()) OR team_id IN (SELECT my_team_ids()));
DROP POLICY IF EXISTS videos_write ON videos;
CREATE POLICY videos_write ON videos FOR ALL TO authenticated
    USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));

DROP POLICY IF EXISTS scenes_read ON video_scenes;
CREATE POLICY scenes_read ON video_scenes FOR SELECT TO authenticated
    USING (owner_id = (SELECT auth.uid()) OR team_id IN (SELECT my_team_ids()));
DROP POLICY IF EXISTS scenes_write ON video_scenes;
CREATE POLICY scenes_write ON video_scenes FOR ALL TO authenticated
    USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));

DROP POLICY IF EXISTS queries_own ON search_queries;
CREATE POLICY queries_own ON search_queries FOR ALL TO authenticated
    USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));

DROP POLICY IF EXISTS profiles_own ON user_profiles;
CREATE POLICY profiles_own ON user_profiles FOR ALL TO authenticated
    USING (id = (SELECT auth.uid())) WITH CHECK (id = (SELECT auth.uid()));

DROP POLICY IF EXISTS members_read ON team_members;
CREATE POLICY members_read ON team_members FOR SELECT TO authenticated
    USING (user_id = (SELECT auth.uid()) OR team_id IN (SELECT my_team_ids()));

GRANT USAGE ON SCHEMA public, auth TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON videos, video_scenes, search_queries, user_profiles TO authenticated;
GRANT SELECT ON team_members, teams TO authenticated;
GRANT EXECUTE ON FUNCTION auth.uid() TO authenticated;

-- Ranked scenes visible to the caller (SECURITY INVOKER: row-level security applies).
CREATE OR REPLACE FUNCTION search_scenes_by_embedding(
    query_embedding vector(384),
    match_count     integer,
    model           text,
    filter_video    uuid DEFAULT NULL,
    min_similarity  double precision DEFAULT -1
)
RETURNS TABLE (
    scene_id      uuid,
    video_id      uuid,
    file_name     text,
    scene_index   integer,
    start_secs    double precision,
    end_secs      double precision,
    combined_text text,
    thumbnail_ref text,
    similarity    double precision
)
LANGUAGE sql STABLE SECURITY INVOKER AS $$
    SELECT s.id, s.video_id, v.file_name, s.scene_index, s.start_secs, s.end_secs, s.combined_text,
           s.thumbnail_ref, 1 - (s.text_embedding <=> query_embedding) AS similarity
    FROM video_scenes s JOIN videos v ON v.id = s.video_id
    WHERE s.text_model = model
      AND s.text_embedding IS NOT NULL
      AND (filter_video IS NULL OR s.video_id = filter_video)
      AND 1 - (s.text_embedding <=> query_embedding) >= min_similarity
    ORDER BY s.text_embedding <=> query_embedding
    LIMIT match_count
$$;
GRANT EXECUTE ON FUNCTION search_scenes_by_embedding(vector, integer, text, uuid, double precision) TO authenticated;
