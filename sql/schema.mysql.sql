-- astbill schema for MySQL / MariaDB, as plain SQL.
--
-- The same schema as the knex migrations in daemon/src/store/migrations (0001-initial,
-- 0002-views, 0003-grants-callback, 0004-unseen-end, 0005-pin-failures, 0006-routing, 0007-money-in, 0008-operators, 0009-rating, 0010-cards-vouchers, 0011-guard, 0012-bands, 0013-fx); test/store/schema-sql.test.ts checks that the two agree. Use
-- either this file or `astbill migrate`, not both: this file also records the migrations in knex_migrations, so
-- `astbill migrate` afterwards finds nothing to do.
--
--   mysql -u root -p -e 'CREATE DATABASE astbill CHARACTER SET utf8mb4 COLLATE utf8mb4_bin'
--   mysql -u root -p astbill < sql/schema.mysql.sql
--
-- Money is BIGINT in minor units: 1 currency unit = 100000 (see README.md). Times are UTC,
-- DATETIME(3). The *_view views show money as DECIMAL(25,5).

CREATE TABLE astaccount (
  id int unsigned NOT NULL AUTO_INCREMENT,
  name varchar(80) NOT NULL,                      -- matches the channel accountcode / SIP peer
  pin_hash varchar(64) DEFAULT NULL,              -- hex HMAC-SHA256(ASTBILL_PIN_SECRET, PIN)
  status varchar(10) NOT NULL DEFAULT 'active' CHECK (status IN ('active','blocked')),
  balance bigint NOT NULL DEFAULT 0,              -- minor units; = SUM(astledger.amount)
  reserved bigint NOT NULL DEFAULT 0,             -- = SUM(astcreditres.max_cost) of the account
  credit_limit bigint NOT NULL DEFAULT 0,         -- postpaid allowance, minor units
  currency varchar(3) NOT NULL DEFAULT 'EUR',
  tariff varchar(40) NOT NULL DEFAULT 'default',
  max_calls int DEFAULT NULL,                     -- NULL = unlimited concurrent calls
  max_seconds int DEFAULT NULL,                   -- NULL = global default (3600)
  created datetime(3) NOT NULL,
  updated datetime(3) NOT NULL,
  charging_mode varchar(6) DEFAULT NULL CHECK (charging_mode IN ('single','grant')), -- NULL = ASTBILL_CHARGING_MODE
  grant_seconds int DEFAULT NULL,                 -- grant mode slice; NULL = ASTBILL_GRANT_SECONDS
  PRIMARY KEY (id),
  UNIQUE KEY astaccount_name_unique (name),
  UNIQUE KEY astaccount_pin_unique (pin_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astani (
  id int unsigned NOT NULL AUTO_INCREMENT,
  number varchar(40) NOT NULL,                    -- caller ID that identifies the account
  account_id int unsigned NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY astani_number_unique (number),
  KEY astani_account_idx (account_id),
  CONSTRAINT astani_account_id_foreign FOREIGN KEY (account_id) REFERENCES astaccount (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astrate (
  id int unsigned NOT NULL AUTO_INCREMENT,
  tariff varchar(40) NOT NULL,
  prefix varchar(20) NOT NULL,                    -- longest prefix of the dialled number wins
  description varchar(120) NOT NULL DEFAULT '',
  rate_per_min bigint NOT NULL,                   -- minor units per 60 billed seconds
  connect_fee bigint NOT NULL DEFAULT 0,          -- minor units, once per answered call
  initial_secs int NOT NULL DEFAULT 60,           -- first billing block (the 60 of 60/6)
  increment_secs int NOT NULL DEFAULT 60,         -- each further block (the 6 of 60/6)
  min_secs int NOT NULL DEFAULT 0,                -- minimum billed seconds
  effective datetime(3) NOT NULL DEFAULT '1970-01-01 00:00:00.000', -- this version of the tariff from (UTC)
  PRIMARY KEY (id),
  UNIQUE KEY astrate_version_prefix_unique (tariff, effective, prefix)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astcreditres (
  uniqueid varchar(150) NOT NULL,                 -- the call attempt (caller channel id)
  account_id int unsigned NOT NULL,
  max_cost bigint NOT NULL,                       -- money reserved, minor units
  max_seconds int NOT NULL,                       -- talk time granted
  node varchar(32) NOT NULL,                      -- the daemon that owns the call
  created datetime(3) NOT NULL,
  answer datetime(3) DEFAULT NULL,
  PRIMARY KEY (uniqueid),
  KEY astcreditres_node_idx (node),
  KEY astcreditres_account_idx (account_id),
  CONSTRAINT astcreditres_account_id_foreign FOREIGN KEY (account_id) REFERENCES astaccount (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astcdr (
  id int unsigned NOT NULL AUTO_INCREMENT,
  uniqueid varchar(150) NOT NULL,
  account_id int unsigned DEFAULT NULL,           -- no foreign key: CDRs outlive accounts
  account varchar(80) DEFAULT NULL,
  node varchar(32) NOT NULL,
  src varchar(80) NOT NULL DEFAULT '',
  dst varchar(80) NOT NULL DEFAULT '',
  tariff varchar(40) DEFAULT NULL,
  prefix varchar(20) DEFAULT NULL,
  rate_per_min bigint DEFAULT NULL,               -- rate snapshot taken at authorisation
  connect_fee bigint DEFAULT NULL,
  initial_secs int DEFAULT NULL,
  increment_secs int DEFAULT NULL,
  min_secs int DEFAULT NULL,
  start datetime(3) NOT NULL,
  answer datetime(3) DEFAULT NULL,
  `end` datetime(3) DEFAULT NULL,
  duration int NOT NULL DEFAULT 0,
  billsec int NOT NULL DEFAULT 0,
  disposition varchar(16) DEFAULT NULL,           -- ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION, CANCEL
  hangup_cause int DEFAULT NULL,                  -- Q.850
  reason varchar(16) DEFAULT NULL,                -- refusals: NOCREDIT, NOROUTE, BLOCKED, BADPIN, LIMIT, ...
  max_seconds int DEFAULT NULL,
  max_cost bigint DEFAULT NULL,
  cost bigint NOT NULL DEFAULT 0,
  status varchar(8) NOT NULL DEFAULT 'open' CHECK (status IN ('open','settled')),
  note varchar(255) DEFAULT NULL,
  grants int NOT NULL DEFAULT 0,                  -- grant mode: grants given (1 = the first only)
  checkpoint_secs int DEFAULT NULL,               -- grant mode: confirmed talk time at the last extension
  checkpoint_at datetime(3) DEFAULT NULL,
  callback_id varchar(150) DEFAULT NULL,          -- the two legs of a callback call share it
  end_source varchar(16) DEFAULT NULL,            -- end not seen: last-up, first-gone or asterisk-cdr (NULL: observed)
  trunk varchar(40) DEFAULT NULL,                 -- the trunk that carried the call (routing)
  buy_cost bigint DEFAULT NULL,                   -- what the carrier charges us, minor units
  margin bigint DEFAULT NULL,                     -- cost - buy_cost
  dialled varchar(80) DEFAULT NULL,               -- the digits as dialled when normalised (dst: the E.164 number)
  bands text DEFAULT NULL,                        -- JSON: the time bands the call was granted on (NULL: flat rate)
  band_split text DEFAULT NULL,                   -- JSON: the settled charge by band (band, seconds, cost)
  fx_rate varchar(26) DEFAULT NULL,               -- converted call: 1 tariff_currency = fx_rate account currency
  tariff_currency varchar(3) DEFAULT NULL,        -- converted call: the tariff's currency
  tariff_cost bigint DEFAULT NULL,                -- converted call: the cost in the tariff's currency (cost: the charge)
  PRIMARY KEY (id),
  UNIQUE KEY astcdr_uniqueid_unique (uniqueid),
  KEY astcdr_account_start_idx (account_id, start),
  KEY astcdr_start_idx (start),
  KEY astcdr_status_idx (status),
  KEY astcdr_callback_idx (callback_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Asterisk's own CDR, written by cdr_adaptive_odbc (asterisk-conf/cdr_adaptive_odbc.conf);
-- astbill reads the end of a call it did not see end from here.
CREATE TABLE asterisk_cdr (
  id int unsigned NOT NULL AUTO_INCREMENT,
  uniqueid varchar(150) NOT NULL DEFAULT '',
  linkedid varchar(150) NOT NULL DEFAULT '',
  channel varchar(80) NOT NULL DEFAULT '',
  dstchannel varchar(80) NOT NULL DEFAULT '',
  accountcode varchar(80) NOT NULL DEFAULT '',
  start datetime(3) DEFAULT NULL,                 -- UTC (usegmtime=yes)
  answer datetime(3) DEFAULT NULL,
  `end` datetime(3) DEFAULT NULL,
  duration int DEFAULT NULL,
  billsec int DEFAULT NULL,
  disposition varchar(45) DEFAULT NULL,
  PRIMARY KEY (id),
  KEY asterisk_cdr_uniqueid_idx (uniqueid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astledger (
  id int unsigned NOT NULL AUTO_INCREMENT,
  account_id int unsigned NOT NULL,
  kind varchar(12) NOT NULL CHECK (kind IN ('topup','charge','adjustment')),
  amount bigint NOT NULL,                         -- signed minor units: + top-up, - charge
  balance_after bigint NOT NULL,
  reference varchar(150) DEFAULT NULL,            -- charge: the call's uniqueid; top-up: payment ref
  note varchar(255) DEFAULT NULL,
  created datetime(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY astledger_kind_reference_unique (kind, reference),
  KEY astledger_account_idx (account_id, id),
  CONSTRAINT astledger_account_id_foreign FOREIGN KEY (account_id) REFERENCES astaccount (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Wrong PINs / voucher codes on the calling-card path: the guessing limits count these rows
-- (all daemons on the database share them); rows older than the window are deleted.
CREATE TABLE astpinfail (
  id bigint unsigned NOT NULL AUTO_INCREMENT,
  kind varchar(8) NOT NULL,                       -- 'pin' | 'voucher'
  caller varchar(80) NOT NULL,                    -- caller ID as given; '' when none
  node varchar(32) NOT NULL,
  at datetime(3) NOT NULL,
  PRIMARY KEY (id),
  KEY astpinfail_at_idx (at),
  KEY astpinfail_caller_at_idx (caller, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE asttrunk (
  id int unsigned NOT NULL AUTO_INCREMENT,
  name varchar(40) NOT NULL,
  dial varchar(200) NOT NULL,                     -- dial template with {number}, e.g. PJSIP/{number}@carrier-a
  strip_digits int NOT NULL DEFAULT 0,            -- leading digits removed before the tech prefix is added
  tech_prefix varchar(20) NOT NULL DEFAULT '',
  max_channels int DEFAULT NULL,                  -- NULL = no limit; held across daemons (astcallattempt)
  enabled int NOT NULL DEFAULT 1,
  created datetime(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY asttrunk_name_unique (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE asttrunkrate (
  id int unsigned NOT NULL AUTO_INCREMENT,
  trunk_id int unsigned NOT NULL,
  prefix varchar(20) NOT NULL,                    -- buy rate: longest prefix per trunk
  description varchar(120) NOT NULL DEFAULT '',
  rate_per_min bigint NOT NULL,
  connect_fee bigint NOT NULL DEFAULT 0,
  initial_secs int NOT NULL DEFAULT 60,
  increment_secs int NOT NULL DEFAULT 60,
  min_secs int NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY asttrunkrate_trunk_prefix_unique (trunk_id, prefix),
  CONSTRAINT asttrunkrate_trunk_id_foreign FOREIGN KEY (trunk_id) REFERENCES asttrunk (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astrouteplan (
  tariff varchar(40) NOT NULL,
  mode varchar(10) NOT NULL CHECK (mode IN ('lcr','priority','weighted')),
  trunks varchar(400) NOT NULL DEFAULT '',        -- name or name:weight, comma separated, in priority order
  PRIMARY KEY (tariff)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astcallattempt (
  id bigint unsigned NOT NULL AUTO_INCREMENT,
  uniqueid varchar(150) NOT NULL,                 -- the call's CDR
  trunk_id int unsigned NOT NULL,
  trunk varchar(40) NOT NULL,
  channel varchar(150) NOT NULL,                  -- the B leg dialled on this trunk
  node varchar(32) NOT NULL,
  prefix varchar(20) NOT NULL,                    -- buy-rate snapshot: prefix and columns as in asttrunkrate
  rate_per_min bigint NOT NULL,
  connect_fee bigint NOT NULL DEFAULT 0,
  initial_secs int NOT NULL DEFAULT 60,
  increment_secs int NOT NULL DEFAULT 60,
  min_secs int NOT NULL DEFAULT 0,
  start datetime(3) NOT NULL,
  end datetime(3) DEFAULT NULL,
  outcome varchar(16) DEFAULT NULL,               -- NULL while ringing; ANSWERED, BUSY, CONGESTION, ...
  cause int DEFAULT NULL,                         -- Q.850
  tech_cause int DEFAULT NULL,                    -- SIP status when the channel gave one
  PRIMARY KEY (id),
  KEY astcallattempt_uniqueid_idx (uniqueid),
  KEY astcallattempt_trunk_outcome_idx (trunk_id, outcome),
  KEY astcallattempt_start_idx (start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Spend caps of one account (NULL = no cap), read under the account lock by authorise/extend.
CREATE TABLE astcap (
  account_id int unsigned NOT NULL,
  day_max bigint DEFAULT NULL,                    -- minor units per UTC day (settled + reserved)
  month_max bigint DEFAULT NULL,                  -- minor units per UTC month
  call_max bigint DEFAULT NULL,                   -- most one call may cost
  calls_per_min int DEFAULT NULL,                 -- calls authorised in the last 60 s
  low_balance bigint DEFAULT NULL,                -- event when a settlement takes the balance below
  large_topup bigint DEFAULT NULL,                -- event for a top-up of at least this much
  burst_minutes int DEFAULT NULL,                 -- anomaly stop: window of the burst check
  burst_spend bigint DEFAULT NULL,                -- anomaly stop: block above this cost ended in the window
  blockeddest_per_min int DEFAULT NULL,           -- anomaly stop: block after this many BLOCKEDDEST in 60 s
  concurrent_max int DEFAULT NULL,                -- anomaly stop: block above this many live calls
  PRIMARY KEY (account_id),
  CONSTRAINT astcap_account_id_foreign FOREIGN KEY (account_id) REFERENCES astaccount (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Destination prefix rules per tariff or account; a deny (or no matching allow) is BLOCKEDDEST.
CREATE TABLE astdestrule (
  id int unsigned NOT NULL AUTO_INCREMENT,
  scope varchar(8) NOT NULL CHECK (scope IN ('tariff','account')),
  owner varchar(80) NOT NULL,                     -- tariff name or account name
  prefix varchar(40) NOT NULL,
  action varchar(5) NOT NULL CHECK (action IN ('allow','deny')),
  PRIMARY KEY (id),
  UNIQUE KEY astdestrule_owner_prefix_unique (scope, owner, prefix)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Events written in the transaction of the money change that caused them; the daemon delivers them.
CREATE TABLE astoutbox (
  id bigint unsigned NOT NULL AUTO_INCREMENT,
  idem_key varchar(64) NOT NULL,                  -- the receiver's idempotency key
  account_id int unsigned DEFAULT NULL,
  kind varchar(24) NOT NULL,
  payload text NOT NULL,                          -- JSON
  state varchar(8) NOT NULL DEFAULT 'pending',    -- pending | sent | dead
  attempts int NOT NULL DEFAULT 0,
  next_at datetime(3) NOT NULL,
  last_error varchar(255) DEFAULT NULL,
  created datetime(3) NOT NULL,
  sent_at datetime(3) DEFAULT NULL,
  channel varchar(8) NOT NULL DEFAULT 'webhook',  -- webhook | mail: one row per channel of an event
  PRIMARY KEY (id),
  UNIQUE KEY astoutbox_idem_key_unique (idem_key),
  KEY astoutbox_state_next_idx (state, next_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Operators (console and API users), their sessions and tokens, failed logins, and the audit
-- trail of changes to money and accounts (0008-operators).
CREATE TABLE astoperator (
  id int unsigned NOT NULL AUTO_INCREMENT,
  name varchar(64) NOT NULL,
  role varchar(16) NOT NULL,                      -- 'admin' | 'support' | 'read-only'
  password_hash varchar(200) NOT NULL,            -- scrypt$N$r$p$salt$hash (per-user salt)
  disabled tinyint(1) NOT NULL DEFAULT 0,
  created datetime(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY astoperator_name_uq (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astsession (
  id_hash varchar(64) NOT NULL,                   -- hex SHA-256 of the session cookie
  operator_id int unsigned NOT NULL,
  csrf varchar(64) NOT NULL,
  created datetime(3) NOT NULL,
  expires datetime(3) NOT NULL,
  PRIMARY KEY (id_hash),
  KEY astsession_operator_fk (operator_id),
  KEY astsession_expires_idx (expires),
  CONSTRAINT astsession_operator_fk FOREIGN KEY (operator_id) REFERENCES astoperator (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astapitoken (
  id int unsigned NOT NULL AUTO_INCREMENT,
  token_hash varchar(64) NOT NULL,                -- hex SHA-256 of the bearer token
  operator_id int unsigned NOT NULL,
  role varchar(16) NOT NULL,
  label varchar(80) NOT NULL,
  disabled tinyint(1) NOT NULL DEFAULT 0,
  created datetime(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY astapitoken_hash_uq (token_hash),
  KEY astapitoken_operator_fk (operator_id),
  CONSTRAINT astapitoken_operator_fk FOREIGN KEY (operator_id) REFERENCES astoperator (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astloginfail (
  id bigint unsigned NOT NULL AUTO_INCREMENT,
  name varchar(64) NOT NULL,
  client varchar(64) NOT NULL,                    -- the client's address
  at datetime(3) NOT NULL,
  PRIMARY KEY (id),
  KEY astloginfail_name_at_idx (name, at),
  KEY astloginfail_client_at_idx (client, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astaudit (
  id bigint unsigned NOT NULL AUTO_INCREMENT,
  at datetime(3) NOT NULL,
  actor varchar(120) NOT NULL,                    -- 'user:NAME', 'token:LABEL', 'api-token', 'cli:USER'
  action varchar(40) NOT NULL,                    -- e.g. 'topup', 'block', 'rates.import'
  target varchar(120) NOT NULL,                   -- e.g. 'account:alice'
  `before` text DEFAULT NULL,                     -- JSON, money as decimal strings
  `after` text DEFAULT NULL,
  PRIMARY KEY (id),
  KEY astaudit_at_idx (at),
  KEY astaudit_target_at_idx (target, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Number normalisation rules (rating/normalise.ts), one ordered set per account, tariff or the default.
CREATE TABLE astnumrule (
  id int unsigned NOT NULL AUTO_INCREMENT,
  scope varchar(8) NOT NULL CHECK (scope IN ('default','tariff','account')),
  owner varchar(80) NOT NULL DEFAULT '',          -- account or tariff name; '' for the default set
  position int NOT NULL,
  rule varchar(40) NOT NULL,                      -- intl:00, national:0:44, strip:1010, plus
  PRIMARY KEY (id),
  UNIQUE KEY astnumrule_set_unique (scope, owner, position)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astband (
  id int unsigned NOT NULL AUTO_INCREMENT,
  tariff varchar(40) NOT NULL,
  position int NOT NULL,                          -- bands are tried in this order; the first that holds wins
  name varchar(20) NOT NULL,                      -- peak, weekend, … (the CDR's band_split names it)
  days varchar(20) NOT NULL,                      -- ISO weekdays, 1 = Monday: '1,2,3,4,5'
  from_min int NOT NULL,                          -- local window [from_min, to_min) in minutes of the day
  to_min int NOT NULL,
  zone varchar(64) NOT NULL,                      -- the tariff's IANA time zone
  band_tariff varchar(40) NOT NULL,               -- the deck whose rate for the number prices the band
  PRIMARY KEY (id),
  UNIQUE KEY astband_tariff_position_unique (tariff, position)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Currencies (0013-fx; README "Currencies").
CREATE TABLE asttariff (
  tariff varchar(40) NOT NULL,
  currency varchar(3) NOT NULL,                   -- no row: the tariff prices in each account's currency
  PRIMARY KEY (tariff)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astfx (
  id int unsigned NOT NULL AUTO_INCREMENT,
  base varchar(3) NOT NULL,
  quote varchar(3) NOT NULL,
  rate varchar(26) NOT NULL,                      -- exact decimal text: 1 base = rate quote
  effective_from datetime(3) NOT NULL,            -- a call uses the latest effective_from <= its authorisation
  created datetime(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY astfx_pair_effective_unique (base, quote, effective_from)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Prepaid card batches and voucher batches (0010-cards-vouchers; docs/cards.md).
CREATE TABLE astbatch (
  id int unsigned NOT NULL AUTO_INCREMENT,
  kind varchar(8) NOT NULL CHECK (kind IN ('card','voucher')),
  created datetime(3) NOT NULL,
  value bigint NOT NULL,                          -- minor units: each card's balance, each voucher's credit
  currency varchar(3) NOT NULL,
  count int NOT NULL,
  tariff varchar(40) DEFAULT NULL,                -- cards
  expires datetime(3) DEFAULT NULL,
  valid_days int DEFAULT NULL,                    -- cards: days of validity from the first call
  prefix varchar(40) NOT NULL,
  operator varchar(120) NOT NULL,
  state varchar(8) NOT NULL DEFAULT 'active' CHECK (state IN ('active','disabled')),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astcard (
  account_id int unsigned NOT NULL,
  batch_id int unsigned NOT NULL,
  first_used datetime(3) DEFAULT NULL,
  expires datetime(3) DEFAULT NULL,               -- the batch's date, or first use + valid_days
  PRIMARY KEY (account_id),
  KEY astcard_batch_idx (batch_id),
  CONSTRAINT astcard_account_id_foreign FOREIGN KEY (account_id) REFERENCES astaccount (id),
  CONSTRAINT astcard_batch_id_foreign FOREIGN KEY (batch_id) REFERENCES astbatch (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE astvoucher (
  id int unsigned NOT NULL AUTO_INCREMENT,
  batch_id int unsigned NOT NULL,
  code_hash varchar(64) NOT NULL,                 -- HMAC-SHA256 of the code (the PIN key)
  used_at datetime(3) DEFAULT NULL,
  account_id int unsigned DEFAULT NULL,
  ledger_id int unsigned DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY astvoucher_code_unique (code_hash),
  KEY astvoucher_batch_idx (batch_id),
  CONSTRAINT astvoucher_batch_id_foreign FOREIGN KEY (batch_id) REFERENCES astbatch (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE OR REPLACE VIEW astaccount_view AS
SELECT a.id, a.name, a.status, a.currency, a.tariff,
  CAST((a.balance) * 0.00001 AS DECIMAL(25,5)) AS balance,
  CAST((a.reserved) * 0.00001 AS DECIMAL(25,5)) AS reserved,
  CAST((a.credit_limit) * 0.00001 AS DECIMAL(25,5)) AS credit_limit,
  CAST((a.balance + a.credit_limit - a.reserved) * 0.00001 AS DECIMAL(25,5)) AS available,
  (SELECT COUNT(*) FROM astcreditres r WHERE r.account_id = a.id) AS live_calls,
  a.max_calls, a.max_seconds, a.created, a.updated
FROM astaccount a;

CREATE OR REPLACE VIEW astrate_view AS
SELECT r.id, r.tariff, r.prefix, r.description,
  CAST((r.rate_per_min) * 0.00001 AS DECIMAL(25,5)) AS rate_per_min,
  CAST((r.connect_fee) * 0.00001 AS DECIMAL(25,5)) AS connect_fee,
  r.initial_secs, r.increment_secs, r.min_secs
FROM astrate r;

CREATE OR REPLACE VIEW astcdr_view AS
SELECT c.id, c.uniqueid, c.account_id, c.account, c.node, c.src, c.dst, c.tariff, c.prefix,
  CAST((c.rate_per_min) * 0.00001 AS DECIMAL(25,5)) AS rate_per_min,
  CAST((c.connect_fee) * 0.00001 AS DECIMAL(25,5)) AS connect_fee,
  c.initial_secs, c.increment_secs, c.min_secs,
  c.start, c.answer, c.`end`, c.duration, c.billsec, c.disposition, c.hangup_cause, c.reason,
  c.max_seconds,
  CAST((c.max_cost) * 0.00001 AS DECIMAL(25,5)) AS max_cost,
  CAST((c.cost) * 0.00001 AS DECIMAL(25,5)) AS cost,
  c.status, c.note
FROM astcdr c;

CREATE OR REPLACE VIEW astledger_view AS
SELECT l.id, l.account_id, a.name AS account, l.kind,
  CAST((l.amount) * 0.00001 AS DECIMAL(25,5)) AS amount,
  CAST((l.balance_after) * 0.00001 AS DECIMAL(25,5)) AS balance_after,
  l.reference, l.note, l.created
FROM astledger l JOIN astaccount a ON a.id = l.account_id;

-- What `astbill migrate` records, so that it treats this database as current.
CREATE TABLE knex_migrations (
  id int unsigned NOT NULL AUTO_INCREMENT,
  name varchar(255) DEFAULT NULL,
  batch int DEFAULT NULL,
  migration_time timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE knex_migrations_lock (
  `index` int unsigned NOT NULL AUTO_INCREMENT,
  is_locked int DEFAULT NULL,
  PRIMARY KEY (`index`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO knex_migrations (name, batch, migration_time) VALUES
  ('0001-initial', 1, CURRENT_TIMESTAMP),
  ('0002-views', 1, CURRENT_TIMESTAMP),
  ('0003-grants-callback', 1, CURRENT_TIMESTAMP),
  ('0004-unseen-end', 1, CURRENT_TIMESTAMP),
  ('0005-pin-failures', 1, CURRENT_TIMESTAMP),
  ('0006-routing', 1, CURRENT_TIMESTAMP),
  ('0007-money-in', 1, CURRENT_TIMESTAMP),
  ('0008-operators', 1, CURRENT_TIMESTAMP),
  ('0009-rating', 1, CURRENT_TIMESTAMP),
  ('0010-cards-vouchers', 1, CURRENT_TIMESTAMP),
  ('0011-guard', 1, CURRENT_TIMESTAMP),
  ('0012-bands', 1, CURRENT_TIMESTAMP),
  ('0013-fx', 1, CURRENT_TIMESTAMP);
INSERT INTO knex_migrations_lock (is_locked) VALUES (0);
