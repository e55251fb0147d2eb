/* waste: weighings of trays and kitchen waste, each one SQLite transaction, and the clean-plate rate. */
#ifndef CP_WASTE_H
#define CP_WASTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/diners.h"
#include "core/ids.h"

/* Bits of waste_records.flags. A flagged weighing is recorded, never dropped. */
enum {
    WASTE_FLAG_NEGATIVE = 1 << 0,  /* net weight below zero after the tare */
    WASTE_FLAG_OVERLOAD = 1 << 1,  /* the scale was over capacity: gross_g is a lower bound */
    WASTE_FLAG_NO_MEAL = 1 << 2,   /* a diner's tray without a sale in this meal period */
    WASTE_FLAG_MANUAL = 1 << 3,    /* typed in (scale broken), not weighed by a station */
    WASTE_FLAG_ANONYMOUS = 1 << 4, /* a tray of nobody known: no card (or an unknown one)
                                    * and no department given */
    WASTE_FLAG_IMPOSSIBLE = 1 << 5, /* a weight no scale can show (a garbled frame such as
                                     * "+9999999999 kg"): kept as read, never believed */
    WASTE_FLAG_VOIDED = 1 << 6,    /* a correction that takes a weighing back: it was no
                                    * tray of this diner, or none at all (waste_correct) */
};

/* The flags of a weighing whose weight is not believed (or has no meal to
 * set it against): such weighings are kept and counted apart, never summed
 * as waste, plate or kitchen, and never counted as weighed trays. Manual and
 * anonymous weighings are real weights and count. */
#define WASTE_FLAGS_LEFT_OUT                                                               \
    (WASTE_FLAG_NEGATIVE | WASTE_FLAG_OVERLOAD | WASTE_FLAG_NO_MEAL | WASTE_FLAG_IMPOSSIBLE | \
     WASTE_FLAG_VOIDED)

/* SQL: the plate weighing w (a row of waste_records) counts as a weighed
 * tray, with WASTE_FLAGS_LEFT_OUT bound at parameter P (its text: "?5"): no
 * flag leaves it out, or its one flag is no_meal and the diner's meal of
 * that day and period at that canteen has come since. A meal served by a
 * till cut off from its server is posted when the till is back, after its
 * tray may have been weighed; a flag is written once, so such trays stayed
 * "no meal" for good and the department lost them (trays, grams, coverage).
 * The metrics, the day's rollups, verify's sums of them and the station's
 * rate of the day all count with this one text. */
#define WASTE_COUNTED(P)                                                                   \
    "((w.flags & " P ") = 0 OR ((w.flags & " P ") = " WASTE_NO_MEAL_SQL " AND EXISTS"       \
    " (SELECT 1 FROM sales ms WHERE ms.diner_id = w.diner_id"                               \
    "  AND ms.business_date = w.business_date AND ms.period_id = w.period_id"              \
    "  AND ms.canteen_id = w.canteen_id"                                                    \
    "  AND NOT EXISTS (SELECT 1 FROM voids mv WHERE mv.sale_id = ms.id))))"
#define WASTE_NO_MEAL_SQL "4" /* WASTE_FLAG_NO_MEAL, as SQL text */
_Static_assert(WASTE_FLAG_NO_MEAL == 4, "WASTE_NO_MEAL_SQL is WASTE_FLAG_NO_MEAL");

/* SQL: the weighing a (an alias of waste_records) is a tray that makes a
 * department's figure for the rule that a department is ranked only with
 * the trays of at least five diners (backoffice/metrics.c): a diner's
 * plate, no flag that leaves it out, not corrected. tray_diner_month lists
 * the diners of such trays (schema version 17 keeps it by a trigger);
 * verify compares the two. A tray flagged no_meal counts once its meal is
 * posted (WASTE_COUNTED), which a trigger of weighings cannot see coming:
 * the metrics add the diners of such trays when they read
 * (WASTE_NO_MEAL_TRAY, few, by their own index). Listed from the start, a
 * diner whose tray never got its meal made a fifth without a tray in the
 * figure; left out, a department whose till was cut off at lunch was
 * never ranked. */
#define WASTE_DINER_TRAY(a)                                                                \
    a ".stage = 'plate' AND " a ".diner_id IS NOT NULL AND " a ".department_id IS NOT NULL" \
    " AND (" a ".flags & " WASTE_LEFT_OUT_SQL ") = 0"                                       \
    " AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = " a ".id)"
#define WASTE_LEFT_OUT_SQL "103" /* WASTE_FLAGS_LEFT_OUT, as SQL text */
_Static_assert(WASTE_FLAGS_LEFT_OUT == 103, "WASTE_LEFT_OUT_SQL is WASTE_FLAGS_LEFT_OUT");

/* SQL: the weighing w is a tray whose one flag that leaves it out is
 * no_meal (the partial index waste_no_meal finds them by day): with
 * WASTE_COUNTED, one whose meal has come since. */
#define WASTE_NO_MEAL_TRAY                                                                 \
    "(w.flags & " WASTE_LEFT_OUT_SQL ") = " WASTE_NO_MEAL_SQL " AND w.stage = 'plate'"       \
    " AND w.diner_id IS NOT NULL AND w.department_id IS NOT NULL"                           \
    " AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = w.id)"

/* Net grams at or under which a tray counts as a clean plate (光盘). */
#define WASTE_CLEAN_PLATE_G 10

/* One weighing to record. Strings may be NULL unless said otherwise. */
struct waste_res;

typedef struct waste_req {
    const char *terminal;   /* required: the station (or the office's terminal code) */
    const char *placement;  /* the station's request id: a repeat returns the first
                             * record and writes nothing; NULL for manual entries */
    const char *stage;      /* required: "plate", "prep", "overproduction", "spoilage" */
    const char *card_no;    /* plate: the card tapped (normalised); NULL: anonymous tray */
    const char *staff_no;   /* plate: the diner by staff number instead of a card */
    const char *department; /* department code, for weighings not tied to a diner */
    const char *canteen;    /* canteen code; must be the terminal's when given */
    int64_t gross_g;        /* what the scale showed */
    int64_t tare_g;         /* tray or container; net = gross - tare */
    bool overload;          /* the scale was over capacity */
    bool manual;            /* typed in: flagged manual */
    const char *category;   /* kitchen: what was thrown away ("主食") */
    const char *reason;     /* kitchen: why ("备餐过量") */
    const char *actor;      /* required: who weighed ("station", a user name) */
    int64_t clean_plate_g;  /* threshold for clean_plate; < 0: WASTE_CLEAN_PLATE_G */
    const char *at;         /* when it was weighed (ISO), for one weighed offline: posted
                             * on that day and meal period, and matched with that day's
                             * sale; NULL: now */
    /* at is a terminal's, which weighed without its server: when at's month
     * has its red/black list published, the weighing is posted now instead
     * (a late tray changed the published ranking). A manager's (import
     * weighings, waste add) is a correction the monthly report flags until
     * a new version is published. */
    bool offline;
    /* Called inside the weighing's transaction just before its COMMIT, when
     * it wrote its record (not for a placement recorded before), to write
     * what must be in the store exactly when the weighing is (the server's
     * record of the station's event: core/terminals.h); its failure fails
     * the weighing. NULL: nothing. */
    cp_err (*also)(db *d, const struct waste_res *res, void *arg);
    void *also_arg;
} waste_req;

/* The heaviest weighing taken, gross or tare, in grams (10 t): more is no
 * scale's reading, and would overflow the sums of a month. */
#define WASTE_MAX_G INT64_C(10000000)

/* The heaviest weighing typed by hand (`waste add`), in grams: 1,000 kg,
 * what the stations take as the most any scale reads (scale/proto.h,
 * PROTO_MAX_GRAMS). A tray typed with four zeros too many was counted as
 * 3,500 kg of leftovers in the month's ranking and its cost. */
#define WASTE_MAX_TYPED_G INT64_C(1000000)

/* Longest kitchen category and reason a station takes, in characters. */
#define WASTE_CATEGORY_MAX 32
#define WASTE_REASON_MAX 64

/* What a station shows after a weighing. The name fields hold any name an
 * import takes and the category and reason a station takes; longer text (a
 * name from before the limits, a category typed at the office) is cut on a
 * character boundary with "…", never inside a character. */
typedef struct waste_res {
    char id[IDS_LEN];
    int repeated;            /* the placement had been recorded before: this is that record */
    char stage[16];
    int64_t gross_g, tare_g, net_g;
    int flags;               /* WASTE_FLAG_* */
    char card_no[64];
    char staff_no[64];
    char name[DINERS_NAME_SIZE];       /* the diner's name, "" when anonymous */
    char department_code[64];
    char department[DINERS_NAME_SIZE]; /* the department's name at the time, "" when none */
    char canteen[64];        /* canteen code */
    char sale_id[IDS_LEN];   /* the linked sale, "" when none */
    char period[64];         /* meal period name, "" when none */
    char business_date[CP_DATE_LEN];
    char created_at[CP_TIME_ISO_LEN];
    char category[UTF8_SIZE(WASTE_CATEGORY_MAX)], reason[UTF8_SIZE(WASTE_REASON_MAX)];
    int clean_plate;         /* plate: not overloaded and net_g <= the threshold */
    /* Clean-plate rate today: plate weighings of the department (the canteen
     * when there is no department) today, and how many of them were clean. */
    int rate_of_department;  /* 1: the department's; 0: the canteen's */
    long rate_clean, rate_trays;
    int rate_pct;            /* rounded percentage, -1 when there were no trays */
    char message[256];       /* a note for the screen ("card ... is not registered"), or "" */
} waste_res;

/* Corrects the weighing id, typed wrong or put on the wrong card: a new
 * record that names it (corrects), so that it is left out everywhere and
 * the new one counts instead; the old stays, append-only. grams >= 0: the
 * weight it should have had (net, typed: flagged manual); grams < 0: taken
 * back (the new record is flagged voided and counts nowhere). A weighing
 * corrected already is refused (correct its correction). The day's rollup
 * is made again. actor answers for it; reason (one line) is in the audit
 * log with it. *new_id gets the new record's id. */
cp_err waste_correct(db *d, const char *id, int64_t grams, const char *reason,
                     const char *actor, char new_id[IDS_LEN]);

/* Records one weighing in one transaction: looks up the diner of the card
 * (or staff number) and their department now, links their non-void sale of
 * this meal period today, sets the flags and writes the record. res is
 * filled with what the station shows. Fails (nothing written) on bad input,
 * an unknown terminal, staff number or department, or a database error; in
 * that last case the same request may be sent again. On PostgreSQL it runs
 * beside charges and other weighings (db_begin_shared): it writes only its
 * own rows and its station's sequence and chain, and is run again when it
 * met another (the same placement sent twice at once). */
cp_err waste_record(db *d, const waste_req *req, waste_res *res);

/* The clean-plate rate today of a department (dept_id > 0) or of a canteen
 * (dept_id <= 0, canteen_id): plate weighings on business date date, clean
 * ones with net_g <= clean_g and not overloaded. Corrected records count
 * through their correction only. */
cp_err waste_clean_rate(db *d, int64_t dept_id, int64_t canteen_id, const char *date,
                        int64_t clean_g, long *clean, long *trays);

/* Records the n weighings of reqs (none with a placement or an also) in
 * one transaction, all or nothing: a file of trays typed in by hand. On an
 * error *failed is the index of the request it came from (n: the
 * transaction itself, or the store: cp_err_is_system). */
cp_err waste_record_batch(db *d, const waste_req *reqs, size_t n, size_t *failed);

/* Checks that stage is one of plate, prep, overproduction, spoilage. */
cp_err waste_stage_valid(const char *stage);

/* Writes the names of the flags set in flags, comma-separated ("negative,manual"),
 * into buf; "" when none. */
void waste_flags_text(int flags, char *buf, size_t size);

/* The flag of a stored name ("no_meal": WASTE_FLAG_NO_MEAL), 0 for none. */
int waste_flag_named(const char *name);

/* The same as people read them, in their language ("手工录入、匿名"). */
void waste_flags_words(int flags, char *buf, size_t size);

#endif
