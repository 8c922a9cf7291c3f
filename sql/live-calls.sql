-- Live calls, for operators: plain SELECTs over astcreditres (one row per call up right now)
-- and astaccount. Money columns are BIGINT minor units (1 unit = 100000); the CAST shows them
-- as exact decimals. Times are UTC. MySQL/MariaDB syntax; on SQLite use astaccount_view or
-- divide in your head (see README.md).

-- How many calls are up right now.
SELECT COUNT(*) AS live_calls FROM astcreditres;

-- Live calls per account, with the money they hold reserved and what is left.
SELECT a.name,
       COUNT(r.uniqueid)                                       AS live_calls,
       a.max_calls,
       CAST(COALESCE(SUM(r.max_cost), 0) * 0.00001 AS DECIMAL(25,5)) AS reserved,
       CAST(a.reserved * 0.00001 AS DECIMAL(25,5))             AS reserved_on_account,  -- equals the line above
       CAST((a.balance + a.credit_limit - a.reserved) * 0.00001 AS DECIMAL(25,5)) AS available,
       a.currency
FROM astaccount a
JOIN astcreditres r ON r.account_id = a.id
GROUP BY a.id, a.name, a.max_calls, a.reserved, a.balance, a.credit_limit, a.currency
ORDER BY live_calls DESC, a.name;

-- Reserved money per account (every account, also those with no call up).
SELECT a.name,
       CAST(a.balance * 0.00001 AS DECIMAL(25,5))  AS balance,
       CAST(a.reserved * 0.00001 AS DECIMAL(25,5)) AS reserved,
       a.currency
FROM astaccount a
ORDER BY a.reserved DESC, a.name;

-- Calls per node (daemon), and how many of them are answered.
SELECT r.node,
       COUNT(*)                AS live_calls,
       COUNT(r.answer)         AS answered,
       MIN(r.created)          AS oldest_call_started
FROM astcreditres r
GROUP BY r.node
ORDER BY r.node;

-- Every live call, longest talking first.
SELECT r.uniqueid, a.name AS account, r.node, r.created AS started, r.answer AS answered,
       TIMESTAMPDIFF(SECOND, r.answer, UTC_TIMESTAMP(3)) AS talk_seconds,
       r.max_seconds,
       CAST(r.max_cost * 0.00001 AS DECIMAL(25,5)) AS reserved
FROM astcreditres r
JOIN astaccount a ON a.id = r.account_id
ORDER BY r.answer IS NULL, r.answer, r.created;

-- Consistency check: accounts whose reserved total disagrees with their live reservations
-- (should return no rows).
SELECT a.name, a.reserved, COALESCE(SUM(r.max_cost), 0) AS live_reserved
FROM astaccount a
LEFT JOIN astcreditres r ON r.account_id = a.id
GROUP BY a.id, a.name, a.reserved
HAVING a.reserved <> COALESCE(SUM(r.max_cost), 0);
