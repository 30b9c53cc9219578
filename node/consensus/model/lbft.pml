/*
 * LBFT at one height, as docs/consensus.md §2 states it and node/consensus/src/engine.rs
 * runs it, for spin. scripts/check-lbft-model.sh runs every check below; docs/consensus.md §7
 * maps each rule to the code.
 *
 * Committee: N = 4 validators, F = 1 byzantine (validator 3), quorum Q = N - F = 3.
 * Validators 0..2 are honest processes. The byzantine validator is not a process: it is
 * folded into what the honest ones may receive, which is the strongest adversary the
 * protocol's messages allow:
 *   - its prepare and commit count for ANY block in ANY round, at any node, at any time
 *     (equivocation and selective delivery included: a node acts on a quorum when it
 *     chooses, so "not delivered yet" and "never delivered" are covered by the schedule);
 *   - as a round's proposer it may offer any block a correct node would take: round 0, any
 *     fresh block; an impeach round, the round's impeach block or any block for which a
 *     prepare certificate of an earlier round exists (it can assemble one from the honest
 *     prepares plus its own). Different nodes may receive different proposals;
 *   - it may claim any round, which pulls a lagging node along the f + 1 rule.
 *   With BYZ_SILENT the byzantine validator sends nothing at all (for liveness).
 * The network is asynchronous until GST (a node may time out of a round at any moment,
 * messages take any time); after GST a node times out only when nothing else can happen
 * anywhere (spin's `timeout`), which is "every message between honest nodes arrives within
 * the round timeout".
 *
 * Blocks: 1 and 2 are fresh blocks a round-0 proposer may build; 2 + r is round r's
 * impeach block (computed alike by every node). 0 is "none".
 *
 * Checked (see the script):
 *   agreement: no two commit certificates for different blocks ever exist (assert where a
 *              commit completes one), which is stronger than "no two honest validators
 *              finalize different blocks": a node finalizes only with a certificate. To
 *              check it, honest validators keep voting after a certificate exists (they
 *              would move to the next height), which only adds behaviours;
 *   liveness:  (LIVENESS) after GST a commit certificate forms before the round bound, with
 *              the byzantine validator active or silent (BYZ_SILENT); every honest node
 *              then finalizes through `Decided`;
 *   mutants:   NO_LOCK (prepare whatever the lock), LOCK_ANY_ROUND (a lock moves to any
 *              certificate, not only a later one) and WEAK_QUORUM (f + 1 certificates, as
 *              CPChain's original impeach rule had) must be refuted.
 */

#define N 4
#define F 1
#define HONEST 3
#ifndef R
#define R 4                 /* rounds 0 .. R-1 */
#endif
#ifndef GST_MAX_ROUND
#define GST_MAX_ROUND 0     /* GST happens while every honest node is at or below this round */
#endif
#ifdef WEAK_QUORUM
#define Q (F + 1)
#else
#define Q (N - F)
#endif
#define NONE 0
#ifdef LIVENESS
#define ACTIVE (final == NONE)
#else
#define ACTIVE (true)
#endif
#define NB (3 + R)          /* block ids 1 .. NB-1 */
#define IMPEACH(r) (2 + (r))

byte round[HONEST];
byte lockB[HONEST];         /* NONE: unlocked */
byte lockR[HONEST];
byte voted[HONEST];         /* 1 + highest round this node signed a vote in; 0: none */
byte prep[HONEST * R];      /* block node i prepared in round r, NONE if none */
byte comm[HONEST * R];
byte proposal[6];           /* an honest leader's proposal of round r, NONE if none yet */
byte final = NONE;          /* the first block a commit certificate was formed for */
bool gst = false;
bit byz = 1;                /* the byzantine validator's votes count (0: silent) */
byte offset;                /* round r > 0 is led by validator (offset + r) mod N */
bit round0_byzantine;       /* the elected round-0 proposer is the adversary's */

#define P(i, r) prep[(i) * R + (r)]
#define C(i, r) comm[(i) * R + (r)]
#define NPREP(r, b) ((P(0, r) == (b) -> 1 : 0) + (P(1, r) == (b) -> 1 : 0) + (P(2, r) == (b) -> 1 : 0) + byz)
#define NCOMM(r, b) ((C(0, r) == (b) -> 1 : 0) + (C(1, r) == (b) -> 1 : 0) + (C(2, r) == (b) -> 1 : 0) + byz)
#define PC(r, b) (((pcs[b] >> (r)) & 1) == 1)
#define EARLIER(r) ((1 << (r)) - 1)
#define LEADER(r) ((offset + (r)) % N)
#define AT_LEAST(r) ((voted[0] > (r) -> 1 : 0) + (voted[1] > (r) -> 1 : 0) + (voted[2] > (r) -> 1 : 0) + byz)
#define LOCKED_ON(i, b) (lockB[i] == NONE || lockB[i] == (b))
#define MIN_ROUND (round[0] < round[1] -> (round[0] < round[2] -> round[0] : round[2]) : (round[1] < round[2] -> round[1] : round[2]))
#define MAX_ROUND (round[0] > round[1] -> (round[0] > round[2] -> round[0] : round[2]) : (round[1] > round[2] -> round[1] : round[2]))

/* pcs[b]: the rounds (bit r) in which Q prepares for block b exist.
 * Votes only accumulate, so these are updated where votes are cast; every guard below is
 * exact (an enabled step always changes the state), which `timeout` after GST relies on. */
byte pcs[9];                /* NB <= 9: R <= 6 */

/* Entering round r: an honest leader proposes its lock (with the certificate that locked it)
 * if locked in an earlier round, else the impeach block (engine.rs, enter_round). */
inline enter(i, r) {
    round[i] = r;           /* r may be an expression of round[i]: only round[i] from here */
    printf("V%d enters round %d\n", i, round[i]);
    if
    :: round[i] > 0 && LEADER(round[i]) == i && proposal[round[i]] == NONE ->
        if
        :: lockB[i] != NONE && lockR[i] < round[i] -> proposal[round[i]] = lockB[i]
        :: else -> proposal[round[i]] = IMPEACH(round[i])
        fi;
        printf("V%d leads round %d: proposes block %d\n", i, round[i], proposal[round[i]])
    :: else -> skip
    fi
}

inline note_vote(i, r) {
    if
    :: voted[i] < r + 1 -> voted[i] = r + 1
    :: else -> skip
    fi
}

inline prepare(i, b) {
    P(i, round[i]) = b;
    printf("V%d prepares block %d in round %d\n", i, b, round[i]);
    note_vote(i, round[i]);
    if
    :: NPREP(round[i], b) >= Q && !PC(round[i], b) ->
        pcs[b] = pcs[b] | (1 << round[i]);
        printf("prepare certificate for block %d in round %d\n", b, round[i])
    :: else -> skip
    fi
}

/* Prepare the round's proposal, once per round, if unlocked or locked on it (engine.rs,
 * on_proposal + try_prepare); what the proposer may offer is in the guard. The mutant
 * NO_LOCK prepares whatever the lock. */
#ifdef NO_LOCK
#define MAY_PREPARE(i, b) (true)
#else
#define MAY_PREPARE(i, b) LOCKED_ON(i, b)
#endif
#define CAN_PREPARE(i) (ACTIVE && P(i, round[i]) == NONE)
#define PREPARE_FROM_ADVERSARY(i, b) \
    :: atomic { \
        CAN_PREPARE(i) && (b) < NB && byz && MAY_PREPARE(i, b) && \
        ((round[i] == 0 && round0_byzantine && (b) <= 2) || \
         (round[i] > 0 && LEADER(round[i]) == HONEST && \
          ((b) == IMPEACH(round[i]) || (pcs[b] & EARLIER(round[i])) != 0))) -> \
        prepare(i, b) \
       }

/* A prepare certificate of a later round than the lock, seen in votes or attached to a
 * proposal, moves the lock to its block (engine.rs, update_lock). The mutant LOCK_ANY_ROUND
 * moves it to any other certificate. */
#ifdef LOCK_ANY_ROUND
#define LATER_THAN_LOCK(i, r, b) (lockB[i] != (b) || lockR[i] != (r))
#else
#define LATER_THAN_LOCK(i, r, b) (lockB[i] == NONE || (r) > lockR[i])
#endif
#define MOVE_LOCK(i, r, b) \
    :: atomic { \
        ACTIVE && (b) < NB && (r) < R && PC(r, b) && LATER_THAN_LOCK(i, r, b) -> \
        lockB[i] = b; lockR[i] = r; \
        printf("V%d locks on block %d (prepare certificate of round %d)\n", i, b, r) \
       }

/* Q prepares for b in the current round: lock (if later), then commit if locked on b, once
 * per round (engine.rs, check_quorums). */
#define COMMIT(i, b) \
    :: atomic { \
        ACTIVE && (b) < NB && C(i, round[i]) == NONE && PC(round[i], b) && \
        (lockB[i] == (b) || LATER_THAN_LOCK(i, round[i], b)) -> \
        if \
        :: LATER_THAN_LOCK(i, round[i], b) -> lockB[i] = b; lockR[i] = round[i]; \
            printf("V%d locks on block %d (prepare certificate of round %d)\n", i, b, round[i]) \
        :: else -> skip /* already locked on b */ \
        fi; \
        C(i, round[i]) = b; \
        printf("V%d commits block %d in round %d\n", i, b, round[i]); \
        note_vote(i, round[i]); \
        if \
        :: NCOMM(round[i], b) >= Q -> \
            assert(final == NONE || final == (b)); /* agreement */ \
            printf("COMMIT CERTIFICATE for block %d in round %d: final\n", b, round[i]); \
            final = b \
        :: else -> skip \
        fi \
       }

/* f + 1 validators signed votes in round r or later: jump there (skip_to_later_round). */
#define JUMP(i, r) \
    :: atomic { \
        ACTIVE && (r) < R && (r) > round[i] && AT_LEAST(r) >= F + 1 -> \
        enter(i, r) \
       }

#define FOR_BLOCKS(M, i) M(i, 1) M(i, 2) M(i, 3) M(i, 4) M(i, 5) M(i, 6) M(i, 7) M(i, 8)
#define FOR_ROUNDS(M, i, b) M(i, 0, b) M(i, 1, b) M(i, 2, b) M(i, 3, b) M(i, 4, b) M(i, 5, b)
#define MOVE_LOCKS(i, b) FOR_ROUNDS(MOVE_LOCK, i, b)

proctype Validator(byte i) {
    do
#ifdef LIVENESS
    :: final != NONE -> break  /* final everywhere through Decided: the next height */
#endif

    /* an honest proposer's proposal */
    :: atomic {
        CAN_PREPARE(i) && round[i] == 0 && !round0_byzantine && MAY_PREPARE(i, 1) ->
        prepare(i, 1)
       }
    :: atomic {
        CAN_PREPARE(i) && round[i] > 0 && LEADER(round[i]) < HONEST &&
        proposal[round[i]] != NONE && MAY_PREPARE(i, proposal[round[i]]) ->
        prepare(i, proposal[round[i]])
       }
    FOR_BLOCKS(PREPARE_FROM_ADVERSARY, i)
    FOR_BLOCKS(MOVE_LOCKS, i)
    FOR_BLOCKS(COMMIT, i)
    JUMP(i, 1) JUMP(i, 2) JUMP(i, 3) JUMP(i, 4) JUMP(i, 5)

    /* The round times out. Before GST at any moment. After it only when nothing else can
     * happen anywhere, and only for the nodes furthest behind: round timeouts have grown
     * past the skew between honest nodes' round starts, so a node ahead waits for the
     * others (which is what doubling timeouts buy, docs/consensus.md §4). Then the round
     * bound must not be reached: liveness. */
    :: atomic {
        ACTIVE && (!gst || (timeout && round[i] == MIN_ROUND)) ->
        if
        :: round[i] + 1 < R -> enter(i, round[i] + 1)
        :: else ->
            assert(!gst);   /* liveness: after GST, finalized before the rounds run out */
            break
        fi
       }
    od
}

/* GST: from here on, honest messages arrive before any timeout. */
#ifdef LIVENESS
active proctype Network() {
end:
    atomic { MAX_ROUND <= GST_MAX_ROUND -> gst = true; printf("GST\n") }
}
#endif

init {
    atomic {
        /* Which validator leads which impeach round. The honest validators are alike, so
         * schedules that differ only by renaming them are one: offsets 0 .. N - 2 give
         * every pattern of honest and byzantine leaders for up to N - 1 impeach rounds. */
        select (offset : 0 .. N - 2);
#ifdef BYZ_SILENT
        byz = 0;
        round0_byzantine = 0;
#elif defined(LIVENESS)
        if
        :: round0_byzantine = 1
        :: round0_byzantine = 0
        fi;
#else
        /* For agreement an honest round-0 proposer adds nothing: the adversary's may offer
         * every node the same block. */
        round0_byzantine = 1;
#endif
        printf("impeach round r is led by V((%d + r) mod 4); V3 is byzantine (round-0 proposer: %d)\n", offset, round0_byzantine);
        run Validator(0);
        run Validator(1);
        run Validator(2)
    }
}
