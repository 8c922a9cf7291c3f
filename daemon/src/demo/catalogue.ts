/**
 * The demo's price list and customers (scenario.ts places the calls): the sample tariff, the
 * two carrier trunks with their buy rates, the banded tariff's decks and the four prepaid
 * accounts. The same in fast and normal mode; amounts are exact decimal strings.
 */
export const DEMO_TARIFF = 'demo';
/** The time-banded tariff of the band-split call, and the deck its peak band is priced by. */
export const BANDED_TARIFF = 'demo-bands';
export const PEAK_TARIFF = 'demo-peak';

/** One tariff row, amounts as exact decimal strings. */
export interface DemoRate {
  prefix: string;
  description: string;
  /** Per minute. */
  rate: string;
  connect: string;
  /** Billing blocks: first block, then increments (seconds). */
  initial: number;
  increment: number;
}

/** A carrier trunk with its buy rates (the same decimal strings and blocks as DemoRate). */
export interface DemoTrunk {
  name: string;
  dial: string;
  techPrefix: string;
  rates: Array<Pick<DemoRate, 'prefix' | 'rate' | 'initial' | 'increment'>>;
}

export interface DemoAccount {
  name: string;
  balance: string;
  /** How the demo's phones identify this account, for the printout. */
  identifiedBy: string;
  pin?: string;
  anis?: string[];
  /** Default DEMO_TARIFF. */
  tariff?: string;
}

export const DEMO_RATES: DemoRate[] = [
  {
    prefix: '1',
    description: 'USA/Canada',
    rate: '0.02',
    connect: '0',
    initial: 6,
    increment: 6,
  },
  {
    prefix: '44',
    description: 'United Kingdom',
    rate: '0.05',
    connect: '0',
    initial: 30,
    increment: 6,
  },
  {
    prefix: '447',
    description: 'United Kingdom mobile',
    rate: '0.15',
    connect: '0',
    initial: 30,
    increment: 6,
  },
  {
    prefix: '49',
    description: 'Germany',
    rate: '0.04',
    connect: '0.01',
    initial: 6,
    increment: 6,
  },
  {
    prefix: '8816',
    description: 'Iridium satellite',
    rate: '3.00',
    connect: '0',
    initial: 1,
    increment: 1,
  },
  { prefix: '39', description: 'Italy', rate: '0.06', connect: '0', initial: 30, increment: 6 },
  {
    prefix: '882',
    description: 'International networks',
    rate: '0.60',
    connect: '0',
    initial: 6,
    increment: 6,
  },
];

const buy = (prefix: string, rate: string, initial: number, increment: number) => ({
  prefix,
  rate,
  initial,
  increment,
});
export const DEMO_TRUNKS: DemoTrunk[] = [
  {
    name: 'carrier-a',
    dial: 'PJSIP/{number}@carrier-a',
    techPrefix: '',
    rates: [
      buy('1', '0.005', 6, 6),
      buy('44', '0.02', 30, 6),
      // Per second like dave's banded tariff: 44's 30 s first block would not pay at 0.06/min.
      buy('44116', '0.01', 1, 1),
      buy('447', '0.08', 30, 6),
      buy('49', '0.02', 6, 6),
      buy('8816', '1.50', 1, 1),
      buy('39', '0.02', 30, 6),
      // Sold at 0.60: every call there would lose money.
      buy('882', '0.90', 6, 6),
    ],
  },
  {
    name: 'carrier-b',
    dial: 'PJSIP/{number}@carrier-b',
    techPrefix: '00',
    rates: [buy('44', '0.03', 30, 6), buy('447', '0.10', 30, 6), buy('39', '0.03', 30, 6)],
  },
];

export const DEMO_ACCOUNTS: DemoAccount[] = [
  { name: 'alice', balance: '10.00', identifiedBy: 'accountcode of her phone' },
  {
    name: 'bob',
    balance: '5.00',
    identifiedBy: 'caller ID 15551230001 (astani)',
    anis: ['15551230001'],
  },
  { name: 'card-1001', balance: '2.00', identifiedBy: 'calling card, PIN 246800', pin: '246800' },
  // 0.15 at 3.00/min (0.05/s, per-second billing) buys exactly 3 s.
  { name: 'carol', balance: '0.15', identifiedBy: 'accountcode of her phone' },
  { name: 'dave', balance: '1.00', identifiedBy: 'accountcode', tariff: BANDED_TARIFF },
];
const leicester = {
  prefix: '44116',
  description: 'Leicester',
  connect: '0',
  initial: 1,
  increment: 1,
};
export const BANDED_RATES: DemoRate[] = [{ ...leicester, rate: '0.06' }];
export const PEAK_RATES: DemoRate[] = [{ ...leicester, rate: '0.30' }];
