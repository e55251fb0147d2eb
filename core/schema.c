/* schema: the store's tables, one migration per schema version, in SQLite's and PostgreSQL's DDL.
 *
 * Each version has one text per engine: the same tables, columns, keys,
 * unique and partial indexes and guards, in each engine's words: SQLite's
 * here, PostgreSQL's in core/schema_pg.c (which says how its words differ).
 * The entries stay aligned by version: a new version adds one struct at the
 * end with both texts.
 *
 * Event rows (sales, ledger, voids, audit, charge requests) have text ids that
 * are unique across terminals ("POS1-000042", or 32 random hex digits for the
 * office) and store the terminal code, the actor and the local time, so that
 * terminals can later sync append-only into a central store. They also store
 * the diner's department at the time of the event. Triggers refuse UPDATE and
 * DELETE on them: corrections are new rows that point at old ones.
 *
 * The tables written by every charge are WITHOUT ROWID and carry only the
 * indexes the charge itself reads: each page a charge dirties is written to
 * the WAL and synced, so fewer pages is a faster tap. A charge's ledger
 * entries have the ids SALE.s (subsidy) and SALE.c (cash), so a void finds
 * them through the primary key. */
#include "core/schema.h"

#include <stddef.h>

#include "core/audit.h"
#include "core/schema_int.h"

/* A migration that enters every event in the audit chain (core/audit.h).
 * audit.content is the hash of the rows of the event an entry records; a
 * sale keeps the request id that made it, so that its request is one of
 * those rows; the unique prev_hash indexes refuse a second entry after the
 * same one (a fork) in the audit log and in the publications. Rows written
 * before are entered by audit_backfill (schema_after_migration). The
 * guards of the append-only tables get their missing members. */
static const char audit_events_sql[] =
    "ALTER TABLE audit ADD COLUMN content TEXT;"
    "ALTER TABLE sales ADD COLUMN request_id TEXT;"
    "CREATE UNIQUE INDEX audit_one_next ON audit(prev_hash);"
    "CREATE UNIQUE INDEX publications_one_next ON publications(prev_hash);"
    /* a top-up reversal is a 'topup' entry whose ref names the top-up: once */
    "CREATE UNIQUE INDEX ledger_one_reversal ON ledger(ref) WHERE kind = 'topup';"
    "CREATE TRIGGER sale_lines_no_update BEFORE UPDATE ON sale_lines BEGIN"
    "  SELECT RAISE(ABORT, 'sale lines are append-only: void the sale instead'); END;"
    "CREATE TRIGGER sale_lines_no_delete BEFORE DELETE ON sale_lines BEGIN"
    "  SELECT RAISE(ABORT, 'sale lines are append-only: void the sale instead'); END;"
    "CREATE TRIGGER charge_requests_no_update BEFORE UPDATE ON charge_requests BEGIN"
    "  SELECT RAISE(ABORT, 'charge requests are append-only'); END;"
    "CREATE TRIGGER charge_requests_no_delete BEFORE DELETE ON charge_requests BEGIN"
    "  SELECT RAISE(ABORT, 'charge requests are append-only'); END;";

/* One schema version: its DDL on each engine. */
typedef struct migration {
    const char *sqlite;
    const char *pg;
} migration;

static const migration migrations[] = {
    /* version 1: the canteen, its people, money and the audit log */
    {.sqlite =
    "CREATE TABLE canteens ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL"
    ") STRICT;"

    "CREATE TABLE terminals ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  canteen_id INTEGER NOT NULL REFERENCES canteens(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('pos', 'waste')),"
    "  next_seq INTEGER NOT NULL DEFAULT 1"
    ") STRICT;"

    /* A tree: a unit (parent_id NULL) and its departments. */
    "CREATE TABLE departments ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  parent_id INTEGER REFERENCES departments(id)"
    ") STRICT;"

    /* Per diner category: meals per period, daily cap and overdraft. A category
     * without a row gets the defaults: 1 meal, no cap, no overdraft. */
    "CREATE TABLE category_rules ("
    "  category TEXT PRIMARY KEY,"
    "  meals_per_period INTEGER NOT NULL DEFAULT 1 CHECK (meals_per_period >= 0),"
    "  daily_cap_fen INTEGER CHECK (daily_cap_fen >= 0),"
    "  overdraft_fen INTEGER NOT NULL DEFAULT 0 CHECK (overdraft_fen >= 0)"
    ") STRICT;"

    "CREATE TABLE diners ("
    "  id INTEGER PRIMARY KEY,"
    "  staff_no TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  department_id INTEGER NOT NULL REFERENCES departments(id),"
    "  category TEXT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'left'))"
    ") STRICT;"

    "CREATE TABLE cards ("
    "  card_no TEXT PRIMARY KEY,"
    "  diner_id INTEGER NOT NULL REFERENCES diners(id),"
    "  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'lost', 'retired'))"
    ") STRICT;"
    "CREATE INDEX cards_diner ON cards(diner_id);"

    /* Balances kept with the ledger in the same transaction; verify checks
     * that each equals the sum of its ledger entries. */
    "CREATE TABLE wallets ("
    "  diner_id INTEGER PRIMARY KEY REFERENCES diners(id),"
    "  cash_fen INTEGER NOT NULL DEFAULT 0,"
    "  subsidy_fen INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"

    /* Minutes since midnight, start inclusive, end exclusive. */
    "CREATE TABLE meal_periods ("
    "  id INTEGER PRIMARY KEY,"
    "  canteen_id INTEGER NOT NULL REFERENCES canteens(id),"
    "  name TEXT NOT NULL,"
    "  start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),"
    "  end_min INTEGER NOT NULL CHECK (end_min BETWEEN 1 AND 1440 AND end_min > start_min),"
    "  UNIQUE (canteen_id, name)"
    ") STRICT;"

    "CREATE TABLE prices ("
    "  period_id INTEGER NOT NULL REFERENCES meal_periods(id),"
    "  category TEXT NOT NULL,"
    "  price_fen INTEGER NOT NULL CHECK (price_fen >= 0),"
    "  PRIMARY KEY (period_id, category)"
    ") STRICT;"

    "CREATE TABLE items ("
    "  id INTEGER PRIMARY KEY,"
    "  canteen_id INTEGER NOT NULL REFERENCES canteens(id),"
    "  code TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  price_fen INTEGER NOT NULL CHECK (price_fen >= 0),"
    "  unit TEXT NOT NULL CHECK (unit IN ('piece', '100g')),"
    "  UNIQUE (canteen_id, code)"
    ") STRICT;"

    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  role TEXT NOT NULL CHECK (role IN ('cashier', 'kitchen', 'manager', 'admin')),"
    "  pin_hash TEXT NOT NULL,"
    "  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))"
    ") STRICT;"

    /* kind 'meal' is a fixed-price meal of a period; 'items' is a la carte. */
    "CREATE TABLE sales ("
    "  id TEXT PRIMARY KEY,"
    "  terminal TEXT NOT NULL,"
    "  canteen_id INTEGER NOT NULL REFERENCES canteens(id),"
    "  card_no TEXT NOT NULL,"
    "  diner_id INTEGER NOT NULL REFERENCES diners(id),"
    "  department_id INTEGER NOT NULL REFERENCES departments(id),"
    "  category TEXT NOT NULL,"
    "  period_id INTEGER REFERENCES meal_periods(id),"
    "  business_date TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('meal', 'items')),"
    "  total_fen INTEGER NOT NULL CHECK (total_fen >= 0),"
    "  subsidy_fen INTEGER NOT NULL CHECK (subsidy_fen >= 0),"
    "  cash_fen INTEGER NOT NULL CHECK (cash_fen >= 0),"
    "  actor TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  CHECK (subsidy_fen + cash_fen = total_fen)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX sales_diner_day ON sales(diner_id, business_date);"

    "CREATE TABLE sale_lines ("
    "  sale_id TEXT NOT NULL REFERENCES sales(id),"
    "  line_no INTEGER NOT NULL,"
    "  item_code TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  quantity INTEGER NOT NULL CHECK (quantity > 0)," /* pieces, or grams for 100g items */
    "  amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),"
    "  PRIMARY KEY (sale_id, line_no)"
    ") STRICT;"

    /* A void is a new row pointing at the sale; UNIQUE refuses voiding twice. */
    "CREATE TABLE voids ("
    "  id TEXT PRIMARY KEY,"
    "  sale_id TEXT NOT NULL UNIQUE REFERENCES sales(id),"
    "  terminal TEXT,"
    "  actor TEXT NOT NULL,"
    "  reason TEXT,"
    "  created_at TEXT NOT NULL"
    ") STRICT;"

    "CREATE TABLE ledger ("
    "  id TEXT PRIMARY KEY,"
    "  diner_id INTEGER NOT NULL REFERENCES diners(id),"
    "  wallet TEXT NOT NULL CHECK (wallet IN ('cash', 'subsidy')),"
    "  amount_fen INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('charge', 'void', 'topup', 'refund',"
    "                                     'subsidy_grant', 'subsidy_expire')),"
    "  sale_id TEXT REFERENCES sales(id),"
    "  ref TEXT," /* grant month for subsidy entries, note for others */
    "  terminal TEXT,"
    "  actor TEXT NOT NULL,"
    "  created_at TEXT NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE UNIQUE INDEX ledger_one_grant ON ledger(diner_id, ref) WHERE kind = 'subsidy_grant';"

    /* Every charge request and its first answer: a repeated request id gets
     * the same answer and charges nothing. */
    "CREATE TABLE charge_requests ("
    "  request_id TEXT PRIMARY KEY,"
    "  terminal TEXT NOT NULL,"
    "  card_no TEXT NOT NULL,"
    "  result TEXT NOT NULL," /* 'ok' or the error name */
    "  sale_id TEXT REFERENCES sales(id),"
    "  created_at TEXT NOT NULL"
    ") STRICT, WITHOUT ROWID;"

    /* A hash chain: hash = BLAKE2b(prev_hash and the row's fields). */
    "CREATE TABLE audit ("
    "  seq INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  terminal TEXT,"
    "  action TEXT NOT NULL,"
    "  subject TEXT,"
    "  detail TEXT,"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL UNIQUE"
    ") STRICT;"

    "CREATE TRIGGER sales_no_update BEFORE UPDATE ON sales BEGIN"
    "  SELECT RAISE(ABORT, 'sales are append-only: void instead'); END;"
    "CREATE TRIGGER sales_no_delete BEFORE DELETE ON sales BEGIN"
    "  SELECT RAISE(ABORT, 'sales are append-only: void instead'); END;"
    "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger BEGIN"
    "  SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
    "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger BEGIN"
    "  SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
    "CREATE TRIGGER voids_no_update BEFORE UPDATE ON voids BEGIN"
    "  SELECT RAISE(ABORT, 'voids are append-only'); END;"
    "CREATE TRIGGER voids_no_delete BEFORE DELETE ON voids BEGIN"
    "  SELECT RAISE(ABORT, 'voids are append-only'); END;"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
    "  SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
    "  SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    .pg = schema_pg_v1},

    /* version 2: waste weighings and cashier shifts */
    {.sqlite =

    /* One weighing: a tray at the tray return (stage plate) or a container of
     * kitchen waste. net_g = gross_g - tare_g and may be negative. flags is a
     * bit set (core/waste.h): negative, overload, no matching meal, manual,
     * anonymous. placement is the station's request id: a repeat returns the
     * first record. A correction is a new record whose corrects names the old. */
    "CREATE TABLE waste_records ("
    "  id TEXT PRIMARY KEY,"
    "  placement TEXT UNIQUE,"
    "  terminal TEXT NOT NULL,"
    "  canteen_id INTEGER NOT NULL REFERENCES canteens(id),"
    "  stage TEXT NOT NULL CHECK (stage IN ('plate', 'prep', 'overproduction', 'spoilage')),"
    "  diner_id INTEGER REFERENCES diners(id),"
    "  department_id INTEGER REFERENCES departments(id)," /* the diner's at the time */
    "  card_no TEXT,"
    "  sale_id TEXT REFERENCES sales(id),"
    "  period_id INTEGER REFERENCES meal_periods(id),"
    "  business_date TEXT NOT NULL,"
    "  gross_g INTEGER NOT NULL,"
    "  tare_g INTEGER NOT NULL DEFAULT 0,"
    "  net_g INTEGER NOT NULL,"
    "  category TEXT,"
    "  reason TEXT,"
    "  flags INTEGER NOT NULL DEFAULT 0,"
    "  actor TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  corrects TEXT REFERENCES waste_records(id),"
    "  CHECK (net_g = gross_g - tare_g)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX waste_department_day ON waste_records(department_id, business_date);"
    "CREATE INDEX waste_canteen_day ON waste_records(canteen_id, business_date);"
    "CREATE TRIGGER waste_no_update BEFORE UPDATE ON waste_records BEGIN"
    "  SELECT RAISE(ABORT, 'waste records are append-only: record a correction'); END;"
    "CREATE TRIGGER waste_no_delete BEFORE DELETE ON waste_records BEGIN"
    "  SELECT RAISE(ABORT, 'waste records are append-only: record a correction'); END;"

    /* A cashier's shift on a terminal: an 'open' event with the counted cash in
     * the drawer, then a 'close' event pointing at it with the count at the end
     * and the Z report's totals. The sales of a shift are the terminal's sales
     * between the two, found without an index of their own: sale ids start with
 * the terminal code and grow with its sequence ("POS1-000042"). */
    "CREATE TABLE shift_events ("
    "  id TEXT PRIMARY KEY,"
    "  terminal TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('open', 'close')),"
    "  opens TEXT REFERENCES shift_events(id)," /* for a close: its open */
    "  cashier TEXT NOT NULL,"
    "  counted_cash_fen INTEGER NOT NULL DEFAULT 0,"
    "  report TEXT," /* for a close: the Z report as JSON */
    "  created_at TEXT NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX shift_terminal ON shift_events(terminal, created_at);"
    "CREATE UNIQUE INDEX shift_one_close ON shift_events(opens) WHERE kind = 'close';"
    "CREATE TRIGGER shift_no_update BEFORE UPDATE ON shift_events BEGIN"
    "  SELECT RAISE(ABORT, 'shift events are append-only'); END;"
    "CREATE TRIGGER shift_no_delete BEFORE DELETE ON shift_events BEGIN"
    "  SELECT RAISE(ABORT, 'shift events are append-only'); END;",
    .pg = schema_pg_v2},

    /* version 3: what the back office keeps so that a month's metrics do not
     * rescan the month (backoffice/metrics.c).
     *
     * rollup_day holds, per closed day, department and meal period, the
     * figures the metrics add up; department 0 stands for anonymous trays.
     * It is filled by the back office for days before today and forgotten
     * for a day whenever a sale, void or weighing of that day arrives late,
     * so that the next report counts it again from the raw rows. For today's
     * records that forgetting finds nothing to delete and writes nothing.
     * clean_trays counts trays at or below threshold_g grams.
     *
     * diner_month is the set of diners with a sale per month, department and
     * canteen, kept by triggers: only a diner's first sale of a month writes
     * a row, and a void removes the row when no other sale is left. */
    {.sqlite =
    "CREATE TABLE rollup_day ("
    "  business_date TEXT NOT NULL,"
    "  canteen_id INTEGER NOT NULL,"
    "  department_id INTEGER NOT NULL,"
    "  period_id INTEGER NOT NULL," /* 0: outside a meal period */
    "  meals INTEGER NOT NULL,"
    "  trays INTEGER NOT NULL,"
    "  plate_g INTEGER NOT NULL,"
    "  clean_trays INTEGER NOT NULL,"
    "  threshold_g INTEGER NOT NULL,"
    "  PRIMARY KEY (business_date, canteen_id, department_id, period_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE rollup_days ("   /* the days that rollup_day holds */
    "  business_date TEXT PRIMARY KEY,"
    "  threshold_g INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS sales_day ON sales(business_date);"
    "CREATE INDEX waste_corrects ON waste_records(corrects) WHERE corrects IS NOT NULL;"
    /* kitchen weighings are few among many trays: their own small index */
    "CREATE INDEX waste_kitchen ON waste_records(canteen_id, business_date)"
    "  WHERE stage <> 'plate';"

    "CREATE TABLE diner_month ("
    "  month TEXT NOT NULL,"
    "  canteen_id INTEGER NOT NULL,"
    "  department_id INTEGER NOT NULL,"
    "  diner_id INTEGER NOT NULL,"
    "  PRIMARY KEY (month, canteen_id, department_id, diner_id)"
    ") STRICT, WITHOUT ROWID;"
    "INSERT OR IGNORE INTO diner_month"
    "  SELECT substr(business_date, 1, 7), canteen_id, department_id, diner_id FROM sales s"
    "  WHERE NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id);"

    "CREATE TRIGGER sales_rollup AFTER INSERT ON sales BEGIN"
    "  DELETE FROM rollup_days WHERE business_date = NEW.business_date;"
    "  INSERT OR IGNORE INTO diner_month VALUES (substr(NEW.business_date, 1, 7),"
    "    NEW.canteen_id, NEW.department_id, NEW.diner_id);"
    "END;"
    "CREATE TRIGGER waste_rollup AFTER INSERT ON waste_records BEGIN"
    "  DELETE FROM rollup_days WHERE business_date = NEW.business_date;"
    "END;"
    "CREATE TRIGGER voids_rollup AFTER INSERT ON voids BEGIN"
    "  DELETE FROM rollup_days WHERE business_date ="
    "    (SELECT business_date FROM sales WHERE id = NEW.sale_id);"
    "  DELETE FROM diner_month WHERE (month, canteen_id, department_id, diner_id) IN"
    "    (SELECT substr(s.business_date, 1, 7), s.canteen_id, s.department_id, s.diner_id"
    "     FROM sales s WHERE s.id = NEW.sale_id)"
    "  AND NOT EXISTS (SELECT 1 FROM sales o, sales s WHERE s.id = NEW.sale_id"
    "    AND o.diner_id = s.diner_id AND o.department_id = s.department_id"
    "    AND o.canteen_id = s.canteen_id AND o.id <> s.id"
    "    AND o.business_date BETWEEN substr(s.business_date, 1, 7) || '-01'"
    "                            AND substr(s.business_date, 1, 7) || '-31'"
    "    AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = o.id));"
    "END;"

    /* Published red/black lists: immutable. A correction is a new version with
     * a reason that points at the version it corrects. hash chains every
     * publication to the one before it (backoffice/publish.c says what goes
     * into it); files holds the published files' names and hashes (JSON). */
    "CREATE TABLE publications ("
    "  id TEXT PRIMARY KEY,"                 /* "redblack-2026-11-v1" */
    "  kind TEXT NOT NULL CHECK (kind IN ('redblack')),"
    "  period TEXT NOT NULL,"
    "  version INTEGER NOT NULL CHECK (version >= 1),"
    "  reason TEXT,"
    "  corrects TEXT REFERENCES publications(id),"
    "  rules TEXT NOT NULL,"
    "  content_hash TEXT NOT NULL,"
    "  files TEXT NOT NULL,"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL UNIQUE,"
    "  actor TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  UNIQUE (kind, period, version),"
    "  CHECK (version = 1 OR (reason IS NOT NULL AND reason <> '' AND corrects IS NOT NULL))"
    ") STRICT;"
    "CREATE TABLE publication_rows ("
    "  publication_id TEXT NOT NULL REFERENCES publications(id),"
    "  rank INTEGER NOT NULL,"
    "  code TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  list TEXT CHECK (list IN ('red', 'black')),"
    "  meals INTEGER NOT NULL,"
    "  diners INTEGER NOT NULL CHECK (diners >= 5),"
    "  trays INTEGER NOT NULL,"
    "  plate_g INTEGER NOT NULL,"
    "  g_per_tray_x10 INTEGER NOT NULL,"
    "  clean_rate_permille INTEGER NOT NULL,"
    "  coverage_permille INTEGER NOT NULL,"
    "  change_x10 INTEGER,"
    "  PRIMARY KEY (publication_id, rank)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TRIGGER publications_no_update BEFORE UPDATE ON publications BEGIN"
    "  SELECT RAISE(ABORT, 'a publication cannot be changed: publish a new version with a reason');"
    "END;"
    "CREATE TRIGGER publications_no_delete BEFORE DELETE ON publications BEGIN"
    "  SELECT RAISE(ABORT, 'a publication cannot be deleted'); END;"
    "CREATE TRIGGER publication_rows_no_update BEFORE UPDATE ON publication_rows BEGIN"
    "  SELECT RAISE(ABORT, 'a published row cannot be changed: publish a new version with a reason');"
    "END;"
    "CREATE TRIGGER publication_rows_no_delete BEFORE DELETE ON publication_rows BEGIN"
    "  SELECT RAISE(ABORT, 'a published row cannot be deleted'); END;",
    .pg = schema_pg_v3},

    /* version 4: wrong PINs in a row and the lock they set, per name typed
     * (core/users.c), so that quitting a program does not reset them and
     * every place a PIN is typed (POS login, POS void, office) shares them.
     * Keyed by the name typed, not by users.id: a name nobody has is counted
     * and locked the same way, or the fourth answer would tell which names
     * exist. No row: no failures. locked_until is local ISO time. */
    {.sqlite =
    "CREATE TABLE pin_failures ("
    "  name TEXT PRIMARY KEY,"
    "  failures INTEGER NOT NULL CHECK (failures > 0),"
    "  locked_until TEXT"
    ") STRICT, WITHOUT ROWID;",
    .pg = schema_pg_v4},

    /* version 5: flagged weighings (overload, negative, impossible, no meal:
     * WASTE_FLAGS_LEFT_OUT in core/waste.h) are kept but never summed as
     * waste or counted as weighed trays; rollup_day counts them apart, per
     * day, department (0: anonymous) and meal period, so that every report
     * says how many were left out. The rollups made before this version
     * summed overloaded and no-meal trays as waste: they are forgotten here,
     * and the next metrics or rollup adds those days up again. */
    {.sqlite =
    "ALTER TABLE rollup_day ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;"
    "DELETE FROM rollup_days;"
    "DELETE FROM rollup_day;",
    .pg = schema_pg_v5},

    /* version 6 */
    {.sqlite = audit_events_sql, .pg = schema_pg_v6},

    /* version 7: cost accounting (成本核算, core/food.c, backoffice/cost.c).
     *
     * food_categories is the one list of food categories, shared by purchases,
     * stock counts and kitchen waste (a station's own list, station.ini, should
     * use the same names); a manager adds more, none is ever removed.
     *
     * A purchase is an event: append-only, entered in the audit chain. A
     * correction is a reversal: a new row with the same canteen, date,
     * supplier and category and the grams and fen negated, pointing at the
     * purchase it cancels (once: UNIQUE) with a reason, so that a month's sum
     * is right without editing anything.
     *
     * A stock count is the stock of a category held by a canteen at the end
     * of a month, in yuan and, when weighed, grams. A recount is a new row
     * that supersedes the count in force (newest wins); only one count of a
     * canteen, month and category supersedes nothing, and none is superseded
     * twice, so the counts of each form one chain and its end is the count.
     *
     * rollup_sales holds, per closed day, canteen, meal period and diner
     * category, the meals and money taken, beside rollup_day and filled and
     * forgotten with it (backoffice/metrics.c): the rollups made before this
     * version lack it, so they are forgotten here and made again. */
    {.sqlite =
    "CREATE TABLE food_categories ("
    "  name TEXT PRIMARY KEY,"
    "  position INTEGER NOT NULL UNIQUE"
    ") STRICT;"
    "INSERT INTO food_categories(name, position) VALUES ('蔬菜', 1), ('肉禽', 2), ('水产', 3),"
    "  ('主食', 4), ('蛋奶', 5), ('调料', 6), ('其他', 7);"
    "CREATE TABLE purchases ("
    "  id TEXT PRIMARY KEY,"
    "  canteen_id INTEGER NOT NULL REFERENCES canteens(id),"
    "  business_date TEXT NOT NULL,"
    "  supplier TEXT NOT NULL,"
    "  category TEXT NOT NULL REFERENCES food_categories(name),"
    "  grams INTEGER NOT NULL,"
    "  fen INTEGER NOT NULL,"
    "  invoice TEXT,"
    "  reverses TEXT UNIQUE REFERENCES purchases(id),"
    "  reason TEXT,"
    "  actor TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  CHECK ((reverses IS NULL AND reason IS NULL AND grams > 0 AND fen >= 0)"
    "      OR (reverses IS NOT NULL AND reason IS NOT NULL AND reason <> '' AND grams < 0"
    "          AND fen <= 0))"
    ") STRICT;"
    /* a month's purchases by canteen and category, read from the index alone */
    "CREATE INDEX purchases_month ON purchases(business_date, canteen_id, category, fen, grams);"
    "CREATE TABLE stock_counts ("
    "  id TEXT PRIMARY KEY,"
    "  canteen_id INTEGER NOT NULL REFERENCES canteens(id),"
    "  month TEXT NOT NULL," /* YYYY-MM: the stock at its end */
    "  category TEXT NOT NULL REFERENCES food_categories(name),"
    "  fen INTEGER NOT NULL CHECK (fen >= 0),"
    "  grams INTEGER CHECK (grams >= 0)," /* NULL: not weighed */
    "  supersedes TEXT UNIQUE REFERENCES stock_counts(id),"
    "  actor TEXT NOT NULL,"
    "  created_at TEXT NOT NULL"
    ") STRICT;"
    "CREATE UNIQUE INDEX stock_counts_first ON stock_counts(canteen_id, month, category)"
    "  WHERE supersedes IS NULL;"
    "CREATE INDEX stock_counts_month ON stock_counts(month, canteen_id, category);"
    "CREATE TRIGGER purchases_no_update BEFORE UPDATE ON purchases BEGIN"
    "  SELECT RAISE(ABORT, 'purchases are append-only: reverse one instead'); END;"
    "CREATE TRIGGER purchases_no_delete BEFORE DELETE ON purchases BEGIN"
    "  SELECT RAISE(ABORT, 'purchases are append-only: reverse one instead'); END;"
    "CREATE TRIGGER stock_counts_no_update BEFORE UPDATE ON stock_counts BEGIN"
    "  SELECT RAISE(ABORT, 'stock counts are append-only: count again instead'); END;"
    "CREATE TRIGGER stock_counts_no_delete BEFORE DELETE ON stock_counts BEGIN"
    "  SELECT RAISE(ABORT, 'stock counts are append-only: count again instead'); END;"
    "CREATE TABLE rollup_sales ("
    "  business_date TEXT NOT NULL,"
    "  canteen_id INTEGER NOT NULL,"
    "  period_id INTEGER NOT NULL," /* 0: outside a meal period */
    "  category TEXT NOT NULL,"     /* the diner category */
    "  meals INTEGER NOT NULL,"
    "  total_fen INTEGER NOT NULL,"
    "  subsidy_fen INTEGER NOT NULL,"
    "  cash_fen INTEGER NOT NULL,"
    "  PRIMARY KEY (business_date, canteen_id, period_id, category)"
    ") STRICT, WITHOUT ROWID;"
    "DELETE FROM rollup_days;"
    "DELETE FROM rollup_day;",
    .pg = schema_pg_v7},

    /* version 8: the names people read for diner categories and meal periods
     * (core/names.c; `cleanplate-office category set staff 职工`). Codes stay
     * ASCII everywhere else; no row: the built-in name, else the code. */
    {.sqlite =
    "CREATE TABLE display_names ("
    "  kind TEXT NOT NULL CHECK (kind IN ('category', 'period')),"
    "  code TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  PRIMARY KEY (kind, code)"
    ") STRICT, WITHOUT ROWID;",
    .pg = schema_pg_v8},

    /* version 9: offline charges (doc/protocol.md). A sale a terminal made
     * without the server is flagged offline, and over_limit when posting it
     * took the cash below its limit; the diner's cards are then
     * 'blocked_offline' until a top-up brings the wallet back (core/ledger_money.c).
     * offline_daily_cap_fen is what a card may spend offline a day; NULL: one
     * lunch (core/ledger.c, read_rules). SQLite cannot change a CHECK: the
     * cards table is made again with the new status (no table refers to it). */
    {.sqlite =
    "ALTER TABLE sales ADD COLUMN offline INTEGER NOT NULL DEFAULT 0 CHECK (offline IN (0, 1));"
    "ALTER TABLE sales ADD COLUMN over_limit INTEGER NOT NULL DEFAULT 0"
    "  CHECK (over_limit IN (0, 1));"
    "ALTER TABLE category_rules ADD COLUMN offline_daily_cap_fen INTEGER"
    "  CHECK (offline_daily_cap_fen >= 0);"
    "CREATE TABLE cards_v9 ("
    "  card_no TEXT PRIMARY KEY,"
    "  diner_id INTEGER NOT NULL REFERENCES diners(id),"
    "  status TEXT NOT NULL DEFAULT 'active'"
    "    CHECK (status IN ('active', 'lost', 'retired', 'blocked_offline'))"
    ") STRICT;"
    "INSERT INTO cards_v9(card_no, diner_id, status) SELECT card_no, diner_id, status FROM cards;"
    "DROP TABLE cards;"
    "ALTER TABLE cards_v9 RENAME TO cards;"
    "CREATE INDEX cards_diner ON cards(diner_id);",
    .pg = schema_pg_v9},

    /* version 10: the canteen server (`cleanplate-office serve`, issue 14,
     * doc/protocol.md).
     *
     * terminal_keys: a terminal's secret keys (64 hex digits); only the
     * newest (largest id) of a terminal is valid, so a rotation is a new row
     * and nothing is ever changed or deleted. The key is kept as text because
     * the server must compute the same HMAC (a hash would not do).
     *
     * terminal_events: every event a terminal sent and the server applied,
     * once per (terminal, seq): the hash of its content (a repeat with other
     * content is an id_conflict) and the answer given, sent again on a
     * repeat. Append-only. at: the event's own time (offline ones).
     *
     * terminal_status: per terminal, the last contact (real Unix time, and
     * on the business clock for the publish guard), the
     * events it said it still holds (pending), the highest seq applied and
     * the business time of that event (high_water_at), the snapshot version
     * it decides offline from. terminal_refusals counts refused requests per
     * terminal and reason (bad_signature, clock_skew, ...). terminal_alarms:
     * what a person must look at (id_conflict, sequence_gap, bad_signature);
     * acknowledged was meant to be the one column ever changed (version 12
     * drops it for terminal_alarm_acks). */
    {.sqlite =
    "CREATE TABLE terminal_keys ("
    "  id INTEGER PRIMARY KEY,"
    "  terminal TEXT NOT NULL REFERENCES terminals(code),"
    "  key_hex TEXT NOT NULL CHECK (length(key_hex) = 64),"
    "  actor TEXT NOT NULL,"
    "  created_at TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX terminal_keys_newest ON terminal_keys(terminal, id);"
    "CREATE TABLE terminal_events ("
    "  terminal TEXT NOT NULL REFERENCES terminals(code),"
    "  seq INTEGER NOT NULL CHECK (seq >= 1),"
    "  kind TEXT NOT NULL CHECK (kind IN ('charge', 'weighing')),"
    "  content_hash TEXT NOT NULL,"
    "  answer TEXT NOT NULL,"
    "  offline INTEGER NOT NULL CHECK (offline IN (0, 1)),"
    "  at TEXT,"
    "  received_at TEXT NOT NULL,"
    "  PRIMARY KEY (terminal, seq)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE terminal_status ("
    "  terminal TEXT PRIMARY KEY REFERENCES terminals(code),"
    "  last_contact INTEGER NOT NULL,"
    "  last_contact_at TEXT NOT NULL," /* the same on the business clock */
    "  pending INTEGER NOT NULL DEFAULT 0,"
    "  high_water INTEGER NOT NULL DEFAULT 0,"
    "  high_water_at TEXT,"
    "  snapshot_version INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE TABLE terminal_refusals ("
    "  terminal TEXT NOT NULL REFERENCES terminals(code),"
    "  reason TEXT NOT NULL,"
    "  count INTEGER NOT NULL CHECK (count > 0),"
    "  PRIMARY KEY (terminal, reason)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE terminal_alarms ("
    "  id INTEGER PRIMARY KEY,"
    "  terminal TEXT NOT NULL REFERENCES terminals(code),"
    "  at INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  detail TEXT NOT NULL,"
    "  acknowledged INTEGER NOT NULL DEFAULT 0 CHECK (acknowledged IN (0, 1))"
    ") STRICT;"
    "CREATE TRIGGER terminal_events_no_update BEFORE UPDATE ON terminal_events BEGIN"
    "  SELECT RAISE(ABORT, 'applied terminal events are append-only'); END;"
    "CREATE TRIGGER terminal_events_no_delete BEFORE DELETE ON terminal_events BEGIN"
    "  SELECT RAISE(ABORT, 'applied terminal events are append-only'); END;"
    "CREATE TRIGGER terminal_keys_no_update BEFORE UPDATE ON terminal_keys BEGIN"
    "  SELECT RAISE(ABORT, 'terminal keys are append-only: make a new one'); END;"
    "CREATE TRIGGER terminal_keys_no_delete BEFORE DELETE ON terminal_keys BEGIN"
    "  SELECT RAISE(ABORT, 'terminal keys are append-only: make a new one'); END;",
    .pg = schema_pg_v10},

    /* version 11: a day's plate trays found by their date on PostgreSQL. The
     * nightly rollup (backoffice/metrics_rollup.c, ROLLUP_SUMS_SQL) reads one day's
     * trays; SQLite finds them through waste_canteen_day, canteen by canteen,
     * as its CROSS JOIN keeps canteens the outer loop, but PostgreSQL's
     * planner hashes the canteens and read every tray of the store instead:
     * on the city-sized month (tests/bench/bench_pgcity.c, 4.4 million trays)
     * EXPLAIN ANALYZE showed a Seq Scan on waste_records reading 102,000
     * pages to keep 200,000 rows, 1.3 s a day; with this index a Bitmap Index
     * Scan takes them in 0.2-0.5 s, and the month's rollup fell from 68 s to
     * about 40 s. SQLite's plan needs nothing: its text is empty, so that its
     * trays do not pay for an index it would not use. */
    {.sqlite = "", .pg = schema_pg_v11},

    /* version 12: alarms acknowledged (`cleanplate-office terminal ack`). An
     * acknowledgement is a row of its own, append-only like the alarm it
     * answers (one per alarm: who, when on the business clock, why), and
     * audited; an alarm is open while it has none. The column
     * terminal_alarms.acknowledged that version 10 meant for it was never
     * set: it goes, and terminal_alarms becomes append-only too. */
    {.sqlite =
    "ALTER TABLE terminal_alarms DROP COLUMN acknowledged;"
    "CREATE TABLE terminal_alarm_acks ("
    "  alarm_id INTEGER PRIMARY KEY REFERENCES terminal_alarms(id),"
    "  actor TEXT NOT NULL,"
    "  reason TEXT NOT NULL CHECK (reason <> ''),"
    "  at TEXT NOT NULL"
    ") STRICT;"
    "CREATE TRIGGER terminal_alarms_no_update BEFORE UPDATE ON terminal_alarms BEGIN"
    "  SELECT RAISE(ABORT, 'terminal alarms are append-only: acknowledge one with "
    "`cleanplate-office terminal ack`'); END;"
    "CREATE TRIGGER terminal_alarms_no_delete BEFORE DELETE ON terminal_alarms BEGIN"
    "  SELECT RAISE(ABORT, 'terminal alarms are append-only: acknowledge one with "
    "`cleanplate-office terminal ack`'); END;"
    "CREATE TRIGGER terminal_alarm_acks_no_update BEFORE UPDATE ON terminal_alarm_acks BEGIN"
    "  SELECT RAISE(ABORT, 'acknowledgements of alarms are append-only'); END;"
    "CREATE TRIGGER terminal_alarm_acks_no_delete BEFORE DELETE ON terminal_alarm_acks BEGIN"
    "  SELECT RAISE(ABORT, 'acknowledgements of alarms are append-only'); END;",
     .pg = schema_pg_v12},

    /* version 13: the audit log becomes one chain per writer (core/audit.h):
     * a terminal's entries follow one another, the office's theirs, so that
     * terminals charging at once on PostgreSQL do not queue for one head.
     * Entries written before are the office's chain ('') as they were; a
     * terminal's chain starts at its first entry after this version. The
     * index finds a chain's head and walks it in order. */
    {.sqlite = "ALTER TABLE audit ADD COLUMN chain TEXT NOT NULL DEFAULT '';"
               "CREATE INDEX audit_chain_seq ON audit(chain, seq);",
     .pg = schema_pg_v13},

    /* version 14: events a terminal can no longer send, written off by a
     * manager (`cleanplate-office terminal skip`). A store restored from a
     * copy older than what the terminals keep (a month, core/termsync.c)
     * lost events that no terminal holds any more; the server refused every
     * later event for the gap, for good. A row moves the terminal's
     * high-water mark to to_seq (terminals_info_of); an event of the range
     * that still comes is applied as it comes. Append-only and audited. */
    {.sqlite =
    "CREATE TABLE terminal_skips ("
    "  terminal TEXT NOT NULL REFERENCES terminals(code),"
    "  from_seq INTEGER NOT NULL CHECK (from_seq >= 1),"
    "  to_seq INTEGER NOT NULL CHECK (to_seq >= from_seq),"
    "  actor TEXT NOT NULL,"
    "  reason TEXT NOT NULL CHECK (reason <> ''),"
    "  at TEXT NOT NULL,"
    "  PRIMARY KEY (terminal, to_seq)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TRIGGER terminal_skips_no_update BEFORE UPDATE ON terminal_skips BEGIN"
    "  SELECT RAISE(ABORT, 'written-off events are append-only'); END;"
    "CREATE TRIGGER terminal_skips_no_delete BEFORE DELETE ON terminal_skips BEGIN"
    "  SELECT RAISE(ABORT, 'written-off events are append-only'); END;",
     .pg = schema_pg_v14},

    /* version 15: on PostgreSQL, a role that does not own the store (the
     * terminals' and servers', core/roles.c) may add to the ledger only
     * what a charge and a void write: a charge, its refund, and a leaving
     * diner's pay-out. With INSERT on the ledger and the audit log it could
     * write a top-up in a manager's name, hashed into the chain like any,
     * and verify agreed (an insider at a serving line's PC holds that
     * role's password). The owner (the back office) is not bound by the
     * policies. SQLite has no roles: its text is empty. */
    {.sqlite = "", .pg = schema_pg_v15},

    /* version 16: on PostgreSQL, the triggers that keep the rollups' marks
     * and the month's diners (version 3) run as the store's owner, so that
     * the terminals' role needs no right on those tables but SELECT: with
     * DELETE on diner_month it took two diners out of a department, which
     * fell under the five-diner rule and off the black list (verify finds
     * that since; now the role cannot do it). search_path is fixed to the
     * store's schema, as a function that runs as its owner must have it.
     * SQLite has no roles: its text is empty. */
    {.sqlite = "", .pg = schema_pg_v16},

    /* version 17: the price of each period and category as it was from each
     * time on (business time, as sales.at). An offline charge is posted on
     * the price in effect when the card was tapped (core/ledger.c,
     * facts_sql): it was posted on the price of the day it reached the
     * store, so a price set while a terminal was cut off charged the diner
     * more (or less) than the terminal told and printed. `price set` adds a
     * row with prices' change (core/canteen.c); the prices a store had
     * before this version are entered as in effect from the start ('').
     * Append-only: prices says the price now, this what it was. */
    {.sqlite =
    "CREATE TABLE price_history ("
    "  id INTEGER PRIMARY KEY,"
    "  period_id INTEGER NOT NULL REFERENCES meal_periods(id),"
    "  category TEXT NOT NULL,"
    "  price_fen INTEGER NOT NULL CHECK (price_fen >= 0),"
    "  from_at TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX price_history_at ON price_history(period_id, category, from_at);"
    "INSERT INTO price_history(period_id, category, price_fen, from_at)"
    "  SELECT period_id, category, price_fen, '' FROM prices ORDER BY period_id, category;"
    "CREATE TRIGGER price_history_no_update BEFORE UPDATE ON price_history BEGIN"
    "  SELECT RAISE(ABORT, 'the history of prices is append-only: set a new price'); END;"
    "CREATE TRIGGER price_history_no_delete BEFORE DELETE ON price_history BEGIN"
    "  SELECT RAISE(ABORT, 'the history of prices is append-only: set a new price'); END;"

    /* and the diners whose trays make a department's figure, per month,
     * canteen and department (WASTE_DINER_TRAY in core/waste.h: a plate of
     * a diner, no flag that leaves it out, 103, not corrected; the metrics
     * add those of no_meal trays whose meal came since, found by the
     * partial index waste_no_meal): a
     * department is ranked only with the trays of at least five diners. It
     * was ranked with five paying diners, and one diner's 20 trays were
     * published as the department's figure. A correction takes its
     * record's diner out when no other such tray of theirs is left. */
    "CREATE TABLE tray_diner_month ("
    "  month TEXT NOT NULL,"
    "  canteen_id INTEGER NOT NULL,"
    "  department_id INTEGER NOT NULL,"
    "  diner_id INTEGER NOT NULL,"
    "  PRIMARY KEY (month, canteen_id, department_id, diner_id)"
    ") STRICT, WITHOUT ROWID;"
    "INSERT OR IGNORE INTO tray_diner_month"
    "  SELECT substr(w.business_date, 1, 7), w.canteen_id, w.department_id, w.diner_id"
    "  FROM waste_records w WHERE w.stage = 'plate' AND w.diner_id IS NOT NULL"
    "  AND w.department_id IS NOT NULL AND (w.flags & 103) = 0"
    "  AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = w.id);"
    "CREATE TRIGGER waste_tray_diner AFTER INSERT ON waste_records"
    "  WHEN NEW.stage = 'plate' AND NEW.diner_id IS NOT NULL BEGIN"
    "  DELETE FROM tray_diner_month WHERE NEW.corrects IS NOT NULL"
    "    AND (month, canteen_id, department_id, diner_id) IN"
    "    (SELECT substr(o.business_date, 1, 7), o.canteen_id, o.department_id, o.diner_id"
    "     FROM waste_records o WHERE o.id = NEW.corrects)"
    "    AND NOT EXISTS (SELECT 1 FROM waste_records o, waste_records x"
    "      WHERE o.id = NEW.corrects AND x.department_id = o.department_id"
    "      AND x.business_date BETWEEN substr(o.business_date, 1, 7) || '-01'"
    "                              AND substr(o.business_date, 1, 7) || '-31'"
    "      AND x.diner_id = o.diner_id AND x.canteen_id = o.canteen_id AND x.id <> o.id"
    "      AND x.stage = 'plate' AND (x.flags & 103) = 0"
    "      AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = x.id));"
    "  INSERT OR IGNORE INTO tray_diner_month SELECT substr(NEW.business_date, 1, 7),"
    "    NEW.canteen_id, NEW.department_id, NEW.diner_id"
    "    WHERE NEW.department_id IS NOT NULL AND (NEW.flags & 103) = 0;"
    "END;"
    /* a day's sums count a tray whose meal came after it since this
     * version (WASTE_COUNTED): the days rolled up before are summed again
     * when next read (verify found them differing from their records) */
    "DELETE FROM rollup_days;"
    "CREATE INDEX waste_no_meal ON waste_records(business_date) WHERE (flags & 103) = 4;"
    /* a weighing is corrected once (`waste correct`): two managers at once
     * would have put two weights in its place */
    "CREATE UNIQUE INDEX waste_one_correction ON waste_records(corrects)"
    "  WHERE corrects IS NOT NULL;"
    /* a diner's entries: their statement (`report statement`) read the
     * whole ledger for one diner, and so did a late offline meal's
     * subsidy (core/ledger.c, read_later_subsidy) */
    "CREATE INDEX ledger_diner ON ledger(diner_id, created_at);",
     .pg = schema_pg_v17},

    /* version 18: the store's version (the audit log's largest seq) when
     * each price was set, read in `price set`'s transaction before its
     * audit entry: a terminal's snapshot of version V holds the prices set
     * at a version below V (core/canteen.h, CANTEEN_PRICE_SEEN_SQL). An
     * offline meal is charged the price its terminal's snapshot held, the
     * one it showed and printed: the price in effect at the tap differed
     * when the price changed while the terminal was cut off. Prices set
     * before this version read 0: in every snapshot. On PostgreSQL also: a
     * card's status is the office's to change, but for a terminal blocking
     * a card charged offline beyond its limit (core/schema_pg.c). */
    {.sqlite =
    "ALTER TABLE price_history ADD COLUMN version INTEGER NOT NULL DEFAULT 0;"
    /* and the months whose cost books a manager closed (`cost close`),
     * per canteen: a purchase or a stock count dated in a closed month is
     * refused, a reversal of a purchase of one is dated today (review C2:
     * a delivery entered weeks after the month's report was signed changed
     * its food used and cost per meal without a word). A month closes the
     * months before it too. Append-only. */
    "CREATE TABLE cost_closes ("
    "  canteen_id INTEGER NOT NULL REFERENCES canteens(id),"
    "  month TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  PRIMARY KEY (canteen_id, month)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TRIGGER cost_closes_no_update BEFORE UPDATE ON cost_closes BEGIN"
    "  SELECT RAISE(ABORT, 'a closed month stays closed'); END;"
    "CREATE TRIGGER cost_closes_no_delete BEFORE DELETE ON cost_closes BEGIN"
    "  SELECT RAISE(ABORT, 'a closed month stays closed'); END;",
     .pg = schema_pg_v18},
};

/* The audit log and the publications in the order they were written (seq,
 * rowid: their chains follow it); the others by their keys. The last columns
 * are what the terminals' role and the servers' may do (core/roles.c): read what a
 * charge, a weighing, a login, a void and a shift read; append the events
 * they make; change only the state a charge or a login changes (a wallet, a
 * terminal's next sequence number, a name's wrong PINs); what the event
 * tables' triggers keep (a day's rollup is dropped when a sale, a void or a
 * weighing comes in, diner_month follows sales and voids) they write as the
 * owner (schema version 16). Never UPDATE or
 * DELETE on an event table: the server refuses them to that role whatever
 * its triggers say. */
const schema_table schema_tables[] = {
    {"canteens", "id", 0, "SELECT", NULL},
    {"terminals", "id", 0, "SELECT, UPDATE (next_seq)", NULL},
    {"departments", "id", 0, "SELECT", NULL},
    {"category_rules", "category", 0, "SELECT", NULL},
    {"diners", "id", 0, "SELECT", NULL},
    /* a posted offline charge blocks the card, a top-up at the server lifts it */
    {"cards", "card_no", 0, "SELECT, UPDATE (status)", NULL},
    {"wallets", "diner_id", 0, "SELECT, UPDATE (cash_fen, subsidy_fen)", NULL},
    {"meal_periods", "id", 0, "SELECT", NULL},
    {"prices", "period_id, category", 0, "SELECT", NULL},
    /* an offline charge is priced as at its tap */
    {"price_history", "id", 0, "SELECT", NULL},
    {"items", "id", 0, "SELECT", NULL},
    {"users", "id", 0, "SELECT", NULL},
    {"pin_failures", "name", 0, "SELECT, INSERT, UPDATE, DELETE", NULL},
    {"sales", "id", 0, "SELECT, INSERT", NULL},
    {"sale_lines", "sale_id, line_no", 0, "SELECT, INSERT", NULL},
    {"voids", "id", 0, "SELECT, INSERT", NULL},
    {"ledger", "id", 0, "SELECT, INSERT", NULL},
    {"charge_requests", "request_id", 0, "SELECT, INSERT", NULL},
    {"waste_records", "id", 0, "SELECT, INSERT", NULL},
    {"shift_events", "id", 0, "SELECT, INSERT", NULL},
    {"publications", "rowid", 0, "SELECT", NULL},
    {"publication_rows", "publication_id, rank", 0, "SELECT", NULL},
    {"audit", "seq", 0, "SELECT, INSERT", NULL},
    {"rollup_day", "business_date, canteen_id, department_id, period_id", 1, "SELECT", NULL},
    /* kept by the triggers of sales, voids and weighings, which run as the
     * owner on PostgreSQL (schema version 16) */
    {"rollup_days", "business_date", 1, "SELECT", NULL},
    {"diner_month", "month, canteen_id, department_id, diner_id", 1, "SELECT", NULL},
    /* kept by the trigger of weighings (schema version 17), as the owner */
    {"tray_diner_month", "month, canteen_id, department_id, diner_id", 1, "SELECT", NULL},
    /* seeded by its migration: the target's seed is replaced by the original's */
    {"food_categories", "position", 1, "SELECT", NULL},
    {"purchases", "id", 0, "SELECT", NULL},
    {"stock_counts", "id", 0, "SELECT", NULL},
    {"cost_closes", "canteen_id, month", 0, "SELECT", NULL},
    {"rollup_sales", "business_date, canteen_id, period_id, category", 1, "SELECT", NULL},
    {"display_names", "kind, code", 0, "SELECT", NULL},
    /* the server's (serve) alone: it reads the networked terminals' keys,
     * appends applied events and alarms, and keeps the status and refusal
     * counters of its terminals. A terminal on the store itself needs none of
     * them, and its role must not read the keys: with them it could sign
     * requests as any networked terminal */
    {"terminal_keys", "id", 0, NULL, "SELECT"},
    {"terminal_events", "terminal, seq", 0, NULL, "SELECT, INSERT"},
    {"terminal_status", "terminal", 0, NULL, "SELECT, INSERT, UPDATE"},
    {"terminal_refusals", "terminal, reason", 0, NULL, "SELECT, INSERT, UPDATE"},
    {"terminal_alarms", "id", 0, NULL, "SELECT, INSERT"},
    /* the office acknowledges alarms; the server never does */
    {"terminal_alarm_acks", "alarm_id", 0, NULL, "SELECT"},
    /* the office writes off a terminal's lost events; the server reads them */
    {"terminal_skips", "terminal, to_seq", 0, NULL, "SELECT"},
    {NULL, NULL, 0, NULL, NULL},
};

/* The append-only tables and the triggers that keep them so; verify checks
 * that these triggers are still there. */
const char *const schema_append_only[] = {
    "sales", "sale_lines", "ledger", "voids", "charge_requests", "audit", "waste_records",
    "shift_events", "publications", "publication_rows", "purchases", "stock_counts",
    "terminal_events", "terminal_keys", "terminal_alarms", "terminal_alarm_acks",
    "terminal_skips", "price_history", "cost_closes", NULL,
};

int schema_version(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

const char *schema_migration(int v, db_dialect dialect)
{
    if (v < 1 || v > schema_version())
        return NULL;
    return dialect == DB_DIALECT_PG ? migrations[v - 1].pg : migrations[v - 1].sqlite;
}

cp_err schema_after_migration(db *d, int v)
{
    if (v >= 1 && v <= schema_version() && migrations[v - 1].sqlite == audit_events_sql)
        return audit_backfill(d);
    return CP_OK;
}
