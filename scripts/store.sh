# Sourced by scripts and tests (from the top of the source tree): the store's two
# engines seen from the shell, so that one script runs on a SQLite file and on
# PostgreSQL alike.

# store_is_pg TARGET: whether TARGET (a --db value) names a PostgreSQL database,
# as core/db.c decides: a postgresql:// or postgres:// URI, or libpq's key=value words.
store_is_pg() {
    case $1 in
    postgres://* | postgresql://*) return 0 ;;
    esac
    printf '%s' "$1" | grep -Eq '^[a-z_]+ *='
}

# store_sql TARGET SEP SQL: runs SQL on the store with its engine's client
# (sqlite3 or psql), rows one a line, columns separated by SEP, no header.
store_sql() {
    if store_is_pg "$1"; then
        psql -X -q -A -t -F "$2" -v ON_ERROR_STOP=1 -d "$1" -c "$3"
    else
        sqlite3 -separator "$2" "$1" "$3"
    fi
}

# store_schema_target BASE SCHEMA: the target of schema SCHEMA on the PostgreSQL
# server BASE (its search path), as db_target_in_schema (core/db.h) makes it.
store_schema_target() {
    case $1 in
    *://*\?*) echo "$1&options=-csearch_path%3D$2" ;;
    *://*) echo "$1?options=-csearch_path%3D$2" ;;
    *) echo "$1 options='-csearch_path=$2'" ;;
    esac
}
