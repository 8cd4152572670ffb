/* The clean-schedule fast path of Validate, over the request's wire bytes.
 *
 * Why by hand, in C: a 100-event Validate costs the server's event loop about
 * 0.64 ms, of which 0.37 ms is Python reading upb messages, checking and
 * building the response; the rest is gRPC. Python that touches each event
 * cannot get that under the 0.1 ms the service's throughput goal leaves, and
 * no library validates a schedule. Reading the protobuf wire format for the
 * few messages involved is small, fixed by the protobuf spec, and checked
 * against the real parser byte for byte (tests/unit/dispatch/test_cvalidate.py).
 *
 * Contract: validate_clean(raw) returns (time_zone, response): the request's
 * time_zone field ("" when absent) and the serialized ValidateResponse the
 * Python path (jobs.validate_general) would return if that zone name is valid
 * (native.py checks it, as the Python path does first); or None. It answers
 * only a request it understands completely and whose schedule is clean:
 *
 *   - source is `events` (an EventList), no return_events (a channel_id is
 *     read but its zone is not looked up: instants need none, nor does the
 *     time_zone but for its check);
 *   - every event has a non-empty id, a start_time and a positive duration in
 *     range, a known kind, valid UTF-8 strings and no unknown fields;
 *   - ids are unique; events are in order and back to back (each starts where
 *     the one before ends), so nothing overlaps and there is no dead air;
 *   - a window, if given, holds every event, and any dead air at its edges is
 *     not long enough to report;
 *   - an asset cooldown, if given, is kept; no artist or category separation.
 *
 * Anything else (malformed bytes included) returns None and the Python path
 * answers, with its findings or its error. Returning None is always safe, so
 * every doubt returns None.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The proto fields this file reads (requests) and writes (responses), and
 * the EventKind values it accepts, as the descriptors spell them: native.py
 * compares every line with the live descriptors at import and turns the fast
 * path off, with an ERROR, on any difference (tests/unit/dispatch/
 * test_native_guard.py fails then). Fields not listed need no line: the
 * reader declines every field number it does not know. Change this only
 * together with the code that reads or writes the field; the ERROR prints the
 * protos' line for each difference. */
static const char PROTO_FINGERPRINT[] =
    "scheduleflow.v1.ValidateRequest.events = 1 message scheduleflow.v1.EventList\n"
    "scheduleflow.v1.ValidateRequest.channel_id = 4 string\n"
    "scheduleflow.v1.ValidateRequest.time_zone = 5 string\n"
    "scheduleflow.v1.ValidateRequest.window = 6 message scheduleflow.v1.TimeWindow\n"
    "scheduleflow.v1.ValidateRequest.rules = 7 message scheduleflow.v1.ValidationRules\n"
    "scheduleflow.v1.ValidateRequest.return_events = 8 bool\n"
    "scheduleflow.v1.EventList.events = 1 repeated message scheduleflow.v1.Event\n"
    "scheduleflow.v1.Event.id = 1 string\n"
    "scheduleflow.v1.Event.start_time = 2 message google.protobuf.Timestamp\n"
    "scheduleflow.v1.Event.duration = 3 message google.protobuf.Duration\n"
    "scheduleflow.v1.Event.asset_id = 4 string\n"
    "scheduleflow.v1.Event.title = 5 string\n"
    "scheduleflow.v1.Event.kind = 6 enum scheduleflow.v1.EventKind\n"
    "scheduleflow.v1.Event.fixed_start = 7 bool\n"
    "scheduleflow.v1.Event.metadata = 8 repeated message scheduleflow.v1.Event.MetadataEntry\n"
    "scheduleflow.v1.Event.MetadataEntry.key = 1 string\n"
    "scheduleflow.v1.Event.MetadataEntry.value = 2 string\n"
    "scheduleflow.v1.EventKind.EVENT_KIND_UNSPECIFIED = 0\n"
    "scheduleflow.v1.EventKind.EVENT_KIND_PROGRAM = 1\n"
    "scheduleflow.v1.EventKind.EVENT_KIND_COMMERCIAL = 2\n"
    "scheduleflow.v1.EventKind.EVENT_KIND_PROMO = 3\n"
    "scheduleflow.v1.EventKind.EVENT_KIND_FILLER = 4\n"
    "scheduleflow.v1.EventKind.EVENT_KIND_LIVE = 5\n"
    "scheduleflow.v1.EventKind.EVENT_KIND_MUSIC = 6\n"
    "scheduleflow.v1.EventKind.EVENT_KIND_JINGLE = 7\n"
    "scheduleflow.v1.TimeWindow.start_time = 1 message google.protobuf.Timestamp\n"
    "scheduleflow.v1.TimeWindow.end_time = 2 message google.protobuf.Timestamp\n"
    "scheduleflow.v1.ValidationRules.gap_threshold = 1 message google.protobuf.Duration\n"
    "scheduleflow.v1.ValidationRules.asset_cooldown = 2 message google.protobuf.Duration\n"
    "scheduleflow.v1.ValidationRules.artist_separation = 3 message google.protobuf.Duration\n"
    "scheduleflow.v1.ValidationRules.category_separation = 4 message google.protobuf.Duration\n"
    "scheduleflow.v1.ValidationRules.max_findings = 5 int32\n"
    "scheduleflow.v1.ValidationRules.ignore_gaps = 6 bool\n"
    "google.protobuf.Timestamp.seconds = 1 int64\n"
    "google.protobuf.Timestamp.nanos = 2 int32\n"
    "google.protobuf.Duration.seconds = 1 int64\n"
    "google.protobuf.Duration.nanos = 2 int32\n"
    "scheduleflow.v1.ValidateResponse.valid = 1 bool\n"
    "scheduleflow.v1.ValidateResponse.summary = 3 message scheduleflow.v1.ValidationSummary\n"
    "scheduleflow.v1.ValidationSummary.event_count = 1 int64\n"
    "scheduleflow.v1.ValidationSummary.span = 5 message scheduleflow.v1.TimeWindow\n"
    "scheduleflow.v1.ValidationSummary.gap_total = 6 message google.protobuf.Duration\n"
    "scheduleflow.v1.ValidationSummary.overlap_total = 7 message google.protobuf.Duration\n"
    "scheduleflow.v1.ValidationSummary.unique_items = 8 repeated message scheduleflow.v1.ItemCount\n"
    "scheduleflow.v1.ItemCount.asset_id = 1 string\n"
    "scheduleflow.v1.ItemCount.count = 2 int64\n";

/* Limits from core/model.py, set once by set_limits() at import. */
static int64_t MIN_S, MAX_S, MAX_SPAN_S, MIN_US, MAX_US, MAX_SPAN_US;
static int limits_set = 0;

#define NANOS 1000000000LL
#define MICROS 1000000LL

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} Reader;

typedef struct {
    const uint8_t *p;
    uint32_t len;
} Slice;

/* -- the wire format ------------------------------------------------------- */

static int read_varint_slow(Reader *r, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70 && r->p < r->end; shift += 7) {
        uint8_t b = *r->p++;
        if (shift == 63 && b > 1) return 0; /* more than 64 bits */
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

static inline int read_varint(Reader *r, uint64_t *out) {
    if (r->p < r->end && *r->p < 0x80) { /* most tags, lengths and small values are one byte */
        *out = *r->p++;
        return 1;
    }
    return read_varint_slow(r, out);
}

/* A tag or a length: protobuf's parser takes at most 5 bytes for these (a
 * value may take 10) and calls anything longer corrupt, so must we. */
static inline int read_varint32(Reader *r, uint64_t *out) {
    const uint8_t *start = r->p;
    return read_varint(r, out) && r->p - start <= 5 && *out <= INT32_MAX;
}

/* A field's number and wire type; 0 at the end, -1 on bad bytes. */
static inline int read_tag(Reader *r, uint32_t *field, int *wire) {
    uint64_t tag;
    if (r->p >= r->end) return 0;
    if (!read_varint32(r, &tag)) return -1;
    *field = (uint32_t)(tag >> 3);
    *wire = (int)(tag & 7);
    return *field == 0 ? -1 : 1;
}

static inline int read_len(Reader *r, Reader *inner) {
    uint64_t n;
    if (!read_varint32(r, &n) || n > (uint64_t)(r->end - r->p)) return 0;
    inner->p = r->p;
    inner->end = r->p + n;
    r->p += n;
    return 1;
}

static int utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (n - i >= 8) { /* eight ASCII bytes at once: ids and titles mostly are */
            uint64_t chunk;
            memcpy(&chunk, s + i, 8);
            if (!(chunk & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        if (c < 0x80) {
            i++;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (n - i < 2 || (s[i + 1] & 0xC0) != 0x80) return 0;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (n - i < 3 || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80) return 0;
            if (c == 0xE0 && s[i + 1] < 0xA0) return 0; /* overlong */
            if (c == 0xED && s[i + 1] >= 0xA0) return 0; /* surrogate */
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (n - i < 4 || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
                return 0;
            if (c == 0xF0 && s[i + 1] < 0x90) return 0; /* overlong */
            if (c == 0xF4 && s[i + 1] >= 0x90) return 0; /* above U+10FFFF */
            i += 4;
        } else {
            return 0;
        }
    }
    return 1;
}

static int read_string(Reader *r, int wire, Slice *out) {
    Reader s;
    if (wire != WT_LEN || !read_len(r, &s)) return 0;
    out->p = s.p;
    out->len = (uint32_t)(s.end - s.p);
    return utf8_valid(s.p, out->len);
}

/* Seconds and nanos of a Timestamp or Duration; no other field allowed. */
static int read_seconds_nanos(Reader *r, int wire, int64_t *seconds, int32_t *nanos) {
    Reader m;
    uint32_t field;
    int w, t;
    uint64_t v;
    if (wire != WT_LEN || !read_len(r, &m)) return 0;
    *seconds = 0;
    *nanos = 0;
    while ((t = read_tag(&m, &field, &w)) == 1) {
        if (w != WT_VARINT || !read_varint(&m, &v)) return 0;
        if (field == 1)
            *seconds = (int64_t)v;
        else if (field == 2)
            *nanos = (int32_t)(uint32_t)v;
        else
            return 0;
    }
    return t == 0;
}

/* convert.span_from_pb, for the non-negative spans it accepts. */
static int read_rule_span(Reader *r, int wire, int64_t *us) {
    int64_t s;
    int32_t ns;
    if (!read_seconds_nanos(r, wire, &s, &ns)) return 0;
    if (s < 0 || ns < 0 || ns >= NANOS || s > MAX_SPAN_S) return 0;
    *us = s * MICROS + ns / 1000;
    return *us <= MAX_SPAN_US;
}

/* convert.instant_from_pb, for the instants it accepts. */
static int read_instant(Reader *r, int wire, int64_t *us) {
    int64_t s;
    int32_t ns;
    if (!read_seconds_nanos(r, wire, &s, &ns)) return 0;
    if (ns < 0 || ns >= NANOS || s < MIN_S - 1 || s > MAX_S) return 0;
    *us = s * MICROS + ns / 1000;
    return *us >= MIN_US && *us <= MAX_US;
}

/* -- the request ----------------------------------------------------------- */

typedef struct {
    Slice id, asset;
    int64_t start_us, duration_us;
} Ev;

/* One Event, as convert.placed_events_from_pb accepts it. */
static int read_event(Reader *r, Ev *ev) {
    uint32_t field, seen = 0;
    int wire, t;
    uint64_t v;
    int64_t s;
    int32_t ns;
    memset(ev, 0, sizeof *ev);
    while ((t = read_tag(r, &field, &wire)) == 1) {
        if (field < 32) {
            if (seen & (1u << field)) return 0; /* repeated: merge rules, not worth it */
            seen |= 1u << field;
        }
        switch (field) {
        case 1: /* id */
            if (!read_string(r, wire, &ev->id)) return 0;
            break;
        case 2: /* start_time */
            if (!read_seconds_nanos(r, wire, &s, &ns)) return 0;
            /* Digits below a microsecond are a finding (Python reports it). */
            if (ns < 0 || ns >= NANOS || ns % 1000 || s < MIN_S || s >= MAX_S) return 0;
            ev->start_us = s * MICROS + ns / 1000;
            break;
        case 3: /* duration */
            if (!read_seconds_nanos(r, wire, &s, &ns)) return 0;
            if (ns < 0 || ns >= NANOS || ns % 1000 || s < 0 || s >= MAX_SPAN_S) return 0;
            ev->duration_us = s * MICROS + ns / 1000;
            break;
        case 4: /* asset_id */
            if (!read_string(r, wire, &ev->asset)) return 0;
            break;
        case 5: { /* title */
            Slice title;
            if (!read_string(r, wire, &title)) return 0;
            break;
        }
        case 6: /* kind: the values EventKind knows */
        case 7: /* fixed_start */
            if (wire != WT_VARINT || !read_varint(r, &v)) return 0;
            if (field == 6 && v > 7) return 0;
            break;
        case 8: { /* metadata: map<string, string> entries */
            Reader entry;
            uint32_t f;
            int w, te;
            Slice kv;
            if (wire != WT_LEN || !read_len(r, &entry)) return 0;
            while ((te = read_tag(&entry, &f, &w)) == 1)
                if ((f != 1 && f != 2) || !read_string(&entry, w, &kv)) return 0;
            if (te != 0) return 0;
            seen &= ~(1u << 8); /* a map repeats */
            break;
        }
        default: /* start_text (9) or unknown */
            return 0;
        }
    }
    /* Present, not just zero: an id, a start and a positive duration. */
    return t == 0 && ev->id.len > 0 && (seen & (1u << 2)) && (seen & (1u << 3)) && ev->duration_us > 0;
}

typedef struct {
    int64_t start_us, end_us;
    int has_start, has_end;
} Win;

static int read_window(Reader *r, int wire, Win *w) {
    Reader m;
    uint32_t field, seen = 0;
    int wt, t;
    if (wire != WT_LEN || !read_len(r, &m)) return 0;
    while ((t = read_tag(&m, &field, &wt)) == 1) {
        if (field != 1 && field != 2) return 0;
        if (seen & (1u << field)) return 0;
        seen |= 1u << field;
        if (!read_instant(&m, wt, field == 1 ? &w->start_us : &w->end_us)) return 0;
    }
    w->has_start = (seen >> 1) & 1;
    w->has_end = (seen >> 2) & 1;
    return t == 0 && w->has_start && w->has_end && w->end_us > w->start_us;
}

typedef struct {
    int64_t gap_threshold_us, asset_cooldown_us;
    int ignore_gaps;
} RuleSet;

static int read_rules(Reader *r, int wire, RuleSet *rules) {
    Reader m;
    uint32_t field, seen = 0;
    int wt, t;
    uint64_t v;
    int64_t us;
    if (wire != WT_LEN || !read_len(r, &m)) return 0;
    while ((t = read_tag(&m, &field, &wt)) == 1) {
        if (field > 6 || (seen & (1u << field))) return 0;
        seen |= 1u << field;
        switch (field) {
        case 1:
            if (!read_rule_span(&m, wt, &rules->gap_threshold_us)) return 0;
            break;
        case 2:
            if (!read_rule_span(&m, wt, &rules->asset_cooldown_us)) return 0;
            break;
        case 3: /* artist and category separations read metadata: the Python path's */
        case 4:
            if (!read_rule_span(&m, wt, &us) || us != 0) return 0;
            break;
        case 5: /* max_findings: no findings here */
        case 6:
            if (wt != WT_VARINT || !read_varint(&m, &v)) return 0;
            if (field == 6) rules->ignore_gaps = v != 0;
            break;
        default:
            return 0;
        }
    }
    return t == 0;
}

/* -- sets of byte strings ---------------------------------------------------- */

typedef struct {
    Slice key;
    uint32_t hash;
    uint32_t rank; /* assets: the order they first appeared in */
    int64_t count, last_start_us;
} Slot;

/* Open addressing, grown at half full: a schedule repeats few assets. */
typedef struct {
    Slot *slots;
    size_t mask, used;
} Table;

/* Keys come from the caller, who could pick ones that collide (this hash has
 * no secret seed) and make every insert walk one long cluster: quadratic time
 * in a worker. A probe longer than this gives up and Python's dict (seeded
 * SipHash) decides. With random keys at half load a probe this long does not
 * happen in practice (tests/unit/dispatch/test_cvalidate.py: 50,000 random keys). */
#define MAX_PROBES 64

static uint32_t hash_bytes(const uint8_t *p, uint32_t n) {
    uint32_t h = 2166136261u; /* FNV-1a, then murmur3's finaliser to spread it into the low bits */
    for (uint32_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h | 1; /* 0 marks an empty slot */
}

static int table_init(Table *t, size_t cap) { /* cap: a power of two */
    t->slots = calloc(cap, sizeof(Slot));
    t->mask = cap - 1;
    t->used = 0;
    return t->slots != NULL;
}

/* The slot holding key, or the empty one where it goes; NULL after MAX_PROBES. */
static Slot *find_slot(const Table *t, Slice key, uint32_t h) {
    size_t i = h & t->mask;
    for (int probe = 0; probe < MAX_PROBES; probe++) {
        Slot *s = &t->slots[i];
        if (s->hash == 0 || (s->hash == h && s->key.len == key.len && memcmp(s->key.p, key.p, key.len) == 0)) return s;
        i = (i + 1) & t->mask;
    }
    return NULL;
}

/* The slot of key, made (zeroed, with the key) if new; NULL to give up (a
 * probe too long, or no memory). */
static Slot *table_slot(Table *t, Slice key) {
    uint32_t h = hash_bytes(key.p, key.len);
    Slot *s = find_slot(t, key, h);
    if (!s || s->hash) return s;
    if ((t->used + 1) * 2 > t->mask + 1) {
        Table bigger;
        if (!table_init(&bigger, (t->mask + 1) * 2)) return NULL;
        for (size_t i = 0; i <= t->mask; i++) {
            if (!t->slots[i].hash) continue;
            Slot *moved = find_slot(&bigger, t->slots[i].key, t->slots[i].hash);
            if (!moved) {
                free(bigger.slots);
                return NULL;
            }
            *moved = t->slots[i];
        }
        bigger.used = t->used;
        free(t->slots);
        *t = bigger;
        s = find_slot(t, key, h);
        if (!s) return NULL;
    }
    s->hash = h;
    s->key = key;
    t->used++;
    return s;
}

static int slice_cmp(Slice a, Slice b) {
    uint32_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.p, b.p, n);
    if (c) return c;
    return a.len < b.len ? -1 : (a.len > b.len);
}

/* 1 when every id differs, 0 when one repeats, -1 to give up. Ids in
 * increasing order (the usual, sequential ids) need no hashing, as in
 * validate._unique. */
static int ids_unique(const Slice *ids, Py_ssize_t n) {
    Py_ssize_t i = 1;
    while (i < n && slice_cmp(ids[i - 1], ids[i]) < 0) i++;
    if (i >= n) return 1;
    size_t cap = 16;
    while (cap < (size_t)n * 2) cap <<= 1;
    Table seen;
    if (!table_init(&seen, cap)) return -1;
    int unique = 1;
    for (i = 0; i < n && unique == 1; i++) {
        Slot *s = table_slot(&seen, ids[i]);
        unique = !s ? -1 : s->count++ == 0;
    }
    free(seen.slots);
    return unique;
}

/* Most played first, ties by asset id (code point order is UTF-8 byte order). */
static int by_count_then_id(const void *a, const void *b) {
    const Slot *x = *(Slot *const *)a, *y = *(Slot *const *)b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return slice_cmp(x->key, y->key);
}

/* The same order when the assets first appeared in increasing id order (a
 * rotation of numbered assets, the usual case): a stable counting sort of the
 * first-appearance order by count, no comparisons. 1 when done; 0 when the
 * counts spread too wide for it (qsort then); -1 without memory. */
static int order_by_count_then_rank(Slot **items, const Table *assets) {
    size_t used = assets->used;
    int64_t most = 0;
    for (size_t i = 0; i <= assets->mask; i++)
        if (assets->slots[i].hash && assets->slots[i].count > most) most = assets->slots[i].count;
    if ((uint64_t)most > 4 * (uint64_t)used + 64) return 0;
    Slot **by_rank = malloc(used * sizeof(Slot *));
    size_t *next = calloc((size_t)most + 2, sizeof(size_t));
    if (!by_rank || !next) {
        free(by_rank);
        free(next);
        return -1;
    }
    for (size_t i = 0; i <= assets->mask; i++)
        if (assets->slots[i].hash) by_rank[assets->slots[i].rank] = &assets->slots[i];
    for (size_t r = 0; r < used; r++) next[most - by_rank[r]->count + 1]++; /* most played: key 0 */
    for (int64_t k = 0; k <= most; k++) next[k + 1] += next[k];
    for (size_t r = 0; r < used; r++) items[next[most - by_rank[r]->count]++] = by_rank[r];
    free(by_rank);
    free(next);
    return 1;
}

/* -- the response ------------------------------------------------------------ */

static size_t varint_size(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *put_varint(uint8_t *o, uint64_t v) {
    while (v >= 0x80) {
        *o++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *o++ = (uint8_t)v;
    return o;
}

/* A Timestamp or Duration body: seconds and nanos, each left out when zero. */
static uint8_t *put_seconds_nanos(uint8_t *o, uint8_t tag, int64_t seconds, int64_t nanos) {
    uint8_t body[24], *b = body;
    if (seconds) b = put_varint(put_varint(b, 0x08), (uint64_t)seconds);
    if (nanos) b = put_varint(put_varint(b, 0x10), (uint64_t)nanos);
    *o++ = tag;
    o = put_varint(o, (uint64_t)(b - body));
    memcpy(o, body, (size_t)(b - body));
    return o + (b - body);
}

/* convert.instant_to_pb: floor division, so nanos is never negative. */
static uint8_t *put_instant(uint8_t *o, uint8_t tag, int64_t us) {
    int64_t s = us / MICROS, rem = us % MICROS;
    if (rem < 0) {
        rem += MICROS;
        s -= 1;
    }
    return put_seconds_nanos(o, tag, s, rem * 1000);
}

static uint8_t *put_span(uint8_t *o, uint8_t tag, int64_t us) { /* us >= 0 here */
    return put_seconds_nanos(o, tag, us / MICROS, (us % MICROS) * 1000);
}

/* ValidateResponse{valid: true, summary: {...}} for a clean schedule; NULL,
 * with no exception set, when memory runs out. */
static PyObject *respond(Py_ssize_t n, int64_t first_start, int64_t last_end, int64_t gap_total, Slot **items,
                         size_t n_items) {
    size_t bound = 128;
    for (size_t i = 0; i < n_items; i++) bound += items[i]->key.len + 32;
    uint8_t *summary = malloc(bound), *o = summary;
    if (!summary) return NULL;
    o = put_varint(put_varint(o, 0x08), (uint64_t)n); /* event_count */
    {                                                 /* span: a TimeWindow */
        uint8_t window[64], *w = window;
        w = put_instant(w, 0x0A, first_start);
        w = put_instant(w, 0x12, last_end);
        *o++ = 0x2A;
        o = put_varint(o, (uint64_t)(w - window));
        memcpy(o, window, (size_t)(w - window));
        o += w - window;
    }
    o = put_span(o, 0x32, gap_total); /* gap_total */
    o = put_span(o, 0x3A, 0);         /* overlap_total */
    for (size_t i = 0; i < n_items; i++) { /* unique_items: ItemCount{asset_id, count} */
        const Slot *s = items[i];
        size_t body = 1 + varint_size(s->key.len) + s->key.len + 1 + varint_size((uint64_t)s->count);
        *o++ = 0x42;
        o = put_varint(o, body);
        *o++ = 0x0A;
        o = put_varint(o, s->key.len);
        memcpy(o, s->key.p, s->key.len);
        o += s->key.len;
        *o++ = 0x10;
        o = put_varint(o, (uint64_t)s->count);
    }
    size_t summary_len = (size_t)(o - summary);
    size_t total = 2 + 1 + varint_size(summary_len) + summary_len;
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)total);
    if (!out) {
        PyErr_Clear();
        free(summary);
        return NULL;
    }
    {
        uint8_t *b = (uint8_t *)PyBytes_AS_STRING(out);
        *b++ = 0x08; /* valid */
        *b++ = 0x01;
        *b++ = 0x1A; /* summary */
        b = put_varint(b, summary_len);
        memcpy(b, summary, summary_len);
    }
    free(summary);
    return out;
}

/* -- the check --------------------------------------------------------------- */

typedef struct {
    Reader events; /* the EventList's bytes */
    Slice time_zone;
    int has_events, has_window, has_rules;
    Win window;
    RuleSet rules;
} Request;

static int read_request(Reader *r, Request *req) {
    uint32_t field, seen = 0;
    int wire, t;
    uint64_t v;
    Slice s;
    memset(req, 0, sizeof *req);
    while ((t = read_tag(r, &field, &wire)) == 1) {
        if (field > 8 || (seen & (1u << field))) return 0;
        seen |= 1u << field;
        switch (field) {
        case 1:
            if (wire != WT_LEN || !read_len(r, &req->events)) return 0;
            req->has_events = 1;
            break;
        case 4: /* channel_id: names a zone, which instants do not need */
            if (!read_string(r, wire, &s)) return 0;
            break;
        case 5: /* time_zone: returned for the caller to check */
            if (!read_string(r, wire, &req->time_zone)) return 0;
            break;
        case 6:
            if (!read_window(r, wire, &req->window)) return 0;
            req->has_window = 1;
            break;
        case 7:
            if (!read_rules(r, wire, &req->rules)) return 0;
            req->has_rules = 1;
            break;
        case 8: /* return_events: the Python path builds them */
            if (wire != WT_VARINT || !read_varint(r, &v) || v != 0) return 0;
            break;
        default: /* document, stored, unknown */
            return 0;
        }
    }
    return t == 0 && req->has_events;
}

/* The events of the EventList, counted first so the sets are sized once. */
static Py_ssize_t count_events(Reader list) {
    uint32_t field;
    int wire, t;
    Reader ev;
    Py_ssize_t n = 0;
    while ((t = read_tag(&list, &field, &wire)) == 1) {
        if (field != 1 || wire != WT_LEN || !read_len(&list, &ev)) return -1;
        n++;
    }
    return t == 0 ? n : -1;
}

/* Every way of giving up returns None, running out of memory included: the
 * sizes here follow the input, and Python may still answer (or refuse it). */
static PyObject *check(const uint8_t *raw, Py_ssize_t size) {
    Reader r = {raw, raw + size};
    Request req;
    if (!read_request(&r, &req)) Py_RETURN_NONE;
    Py_ssize_t n = count_events(req.events);
    if (n <= 0 || (size_t)n > SIZE_MAX / (4 * sizeof(Slot))) Py_RETURN_NONE;

    /* Grown as events pass their checks, not sized by the count: a request of
     * empty events would otherwise cost 8x its size before the first check. */
    size_t ids_cap = 64;
    Slice *ids = malloc(ids_cap * sizeof(Slice));
    Table assets = {NULL, 0, 0};
    Slot **items = NULL;
    PyObject *result = Py_None;
    if (!ids || !table_init(&assets, 64)) goto done;
    int64_t first_start = 0, prev_end = 0, cooldown = req.rules.asset_cooldown_us;
    int in_id_order = 1; /* each new asset's id greater than the last new one's */
    Slice last_new = {NULL, 0};
    Reader list = req.events, body;
    uint32_t field;
    int wire;
    for (Py_ssize_t i = 0; i < n; i++) {
        Ev ev;
        /* Counted above; checked again all the same (the buffer is the caller's). */
        if (read_tag(&list, &field, &wire) != 1 || field != 1 || wire != WT_LEN || !read_len(&list, &body)) goto done;
        if (!read_event(&body, &ev)) goto done;
        if (i == 0)
            first_start = ev.start_us;
        else if (ev.start_us != prev_end) /* a gap or an overlap: findings */
            goto done;
        prev_end = ev.start_us + ev.duration_us;
        if (prev_end > MAX_US) goto done;
        if ((size_t)i == ids_cap) {
            Slice *bigger = realloc(ids, 2 * ids_cap * sizeof(Slice));
            if (!bigger) goto done;
            ids = bigger;
            ids_cap *= 2;
        }
        ids[i] = ev.id;
        if (ev.asset.len) {
            Slot *s = table_slot(&assets, ev.asset);
            if (!s) goto done;
            if (s->count == 0) { /* new */
                s->rank = (uint32_t)(assets.used - 1);
                in_id_order = in_id_order && (s->rank == 0 || slice_cmp(last_new, ev.asset) < 0);
                last_new = ev.asset;
            } else if (cooldown > 0 && ev.start_us - s->last_start_us < cooldown) {
                goto done; /* a breach */
            }
            s->count++;
            s->last_start_us = ev.start_us;
        }
    }
    if (ids_unique(ids, n) != 1) goto done; /* a duplicate id (or giving up) */
    int64_t gap_total = 0;
    if (req.has_window) {
        const Win *w = &req.window;
        if (first_start < w->start_us || prev_end > w->end_us) goto done; /* outside the window */
        int64_t lead = first_start - w->start_us, tail = w->end_us - prev_end;
        if (!req.rules.ignore_gaps && (lead > req.rules.gap_threshold_us || tail > req.rules.gap_threshold_us))
            goto done; /* dead air at an edge worth reporting */
        gap_total = lead + tail;
    }
    items = malloc((assets.used ? assets.used : 1) * sizeof(Slot *));
    if (!items) goto done;
    int ordered = in_id_order ? order_by_count_then_rank(items, &assets) : 0;
    if (ordered < 0) goto done;
    if (!ordered) {
        for (size_t i = 0, k = 0; i <= assets.mask; i++)
            if (assets.slots[i].hash) items[k++] = &assets.slots[i];
        qsort(items, assets.used, sizeof(Slot *), by_count_then_id);
    }
    PyObject *response = respond(n, first_start, prev_end, gap_total, items, assets.used);
    if (response) {
        PyObject *zone = PyUnicode_DecodeUTF8((const char *)req.time_zone.p, req.time_zone.len, NULL);
        PyObject *pair = zone ? PyTuple_Pack(2, zone, response) : NULL;
        Py_XDECREF(zone);
        Py_DECREF(response);
        if (pair)
            result = pair;
        else
            PyErr_Clear(); /* out of memory: give up like every other failure */
    }
done:
    free(ids);
    free(assets.slots);
    free(items);
    if (result == Py_None) Py_RETURN_NONE;
    return result;
}

/* -- the module ---------------------------------------------------------------- */

static PyObject *validate_clean(PyObject *Py_UNUSED(self), PyObject *arg) {
    Py_buffer view;
    if (!limits_set) {
        PyErr_SetString(PyExc_RuntimeError, "_cvalidate.set_limits() was not called");
        return NULL;
    }
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    PyObject *result = check(view.buf, view.len);
    PyBuffer_Release(&view);
    return result;
}

static PyObject *set_limits(PyObject *Py_UNUSED(self), PyObject *args) {
    long long min_us, max_us, max_span_us;
    if (!PyArg_ParseTuple(args, "LLL", &min_us, &max_us, &max_span_us)) return NULL;
    /* Bounds under which no sum or product below can overflow an int64. */
    const long long limit = 1LL << 61;
    if (!(-limit <= min_us && min_us < max_us && max_us <= limit && 0 < max_span_us && max_span_us <= limit)) {
        PyErr_SetString(PyExc_ValueError, "set_limits: need -2**61 <= min < max <= 2**61 and 0 < max_duration <= 2**61");
        return NULL;
    }
    MIN_US = min_us;
    MAX_US = max_us;
    MAX_SPAN_US = max_span_us;
    /* As convert.py: floor division, like Python's //. */
    MIN_S = min_us / MICROS - (min_us % MICROS < 0);
    MAX_S = max_us / MICROS;
    MAX_SPAN_S = max_span_us / MICROS;
    limits_set = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"validate_clean", validate_clean, METH_O,
     "validate_clean(raw) -> (time_zone, response) | None: a clean request's ValidateResponse, or None."},
    {"set_limits", set_limits, METH_VARARGS, "set_limits(min_instant_us, max_instant_us, max_duration_us)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_cvalidate",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__cvalidate(void) {
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddStringConstant(m, "PROTO_FINGERPRINT", PROTO_FINGERPRINT) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
