// The fixed cast of the demo: pages with their products, the support team, customer names.

export const TOPICS = ['price', 'availability', 'shipping', 'returns', 'complaints', 'account'] as const;
export type Topic = (typeof TOPICS)[number];

export interface Product {
  name: string;
  price: number;
}

export interface PageSpec {
  id: number;
  key: string;
  fbPageId: string;
  name: string;
  botName: string;
  /** Share of all conversations. */
  weight: number;
  products: readonly Product[];
  topicWeights: Readonly<Record<Topic, number>>;
  /** external ids of the human agents who answer this page */
  agents: readonly string[];
}

export type Role = 'admin' | 'lead' | 'qa' | 'developer' | 'agent';

export interface UserSpec {
  externalId: string;
  name: string;
  email: string;
  role: Role;
}

const user = (externalId: string, name: string, role: Role): UserSpec => ({
  externalId,
  name,
  role,
  email: `${name.toLowerCase().replace(/ /g, '.')}@supportpulse.example`,
});

export const USERS: readonly UserSpec[] = [
  user('U04PRAMAN01', 'Priya Raman', 'admin'),
  user('U04DOKAFOR2', 'Daniel Okafor', 'lead'),
  user('U04SMARQZ03', 'Sofia Marquez', 'lead'),
  user('U05HBECKR04', 'Hannah Becker', 'qa'),
  user('U05TSILVA05', 'Tomas Silva', 'qa'),
  user('U05ATANAK06', 'Aiko Tanaka', 'qa'),
  user('U06LCHEN007', 'Liam Chen', 'developer'),
  user('U06GMBEKI08', 'Grace Mbeki', 'developer'),
  user('U07MLOPEZ09', 'Maria Lopez', 'agent'),
  user('U07JCARTR10', 'James Carter', 'agent'),
  user('U07FZAHRA11', 'Fatima Zahra', 'agent'),
  user('U07LMOREA12', 'Lucas Moreau', 'agent'),
  user('U07ENOVAK13', 'Emma Novak', 'agent'),
  user('U07NWILLM14', 'Noah Williams', 'agent'),
];

export const userByExternalId = new Map(USERS.map((u) => [u.externalId, u]));
export const usersWithRole = (role: Role): string[] => USERS.filter((u) => u.role === role).map((u) => u.externalId);

export const PAGES: readonly PageSpec[] = [
  {
    id: 1,
    key: 'stride',
    fbPageId: '104882371956210',
    name: 'Stride Shoes',
    botName: 'Stride Assistant',
    weight: 0.45,
    products: [
      { name: 'Trailrunner GTX', price: 129 },
      { name: 'Cloudstep Knit', price: 89 },
      { name: 'Metro Leather Loafer', price: 110 },
      { name: 'Kids Flash Sneaker', price: 45 },
      { name: 'Summit Hiking Boot', price: 159 },
      { name: 'Breeze Sandal', price: 39 },
    ],
    topicWeights: { price: 0.22, availability: 0.26, shipping: 0.18, returns: 0.16, complaints: 0.1, account: 0.08 },
    agents: ['U07MLOPEZ09', 'U07JCARTR10', 'U07FZAHRA11'],
  },
  {
    id: 2,
    key: 'voltix',
    fbPageId: '108357902144683',
    name: 'Voltix Electronics',
    botName: 'Volt',
    weight: 0.35,
    products: [
      { name: 'Aurora X2 Earbuds', price: 79 },
      { name: 'Nimbus 14 Laptop', price: 899 },
      { name: 'Pulse Smartwatch S', price: 199 },
      { name: 'Boom Mini Speaker', price: 49 },
      { name: 'VX-65 4K TV', price: 649 },
      { name: 'PowerCell 20000 Power Bank', price: 39 },
    ],
    topicWeights: { price: 0.2, availability: 0.18, shipping: 0.16, returns: 0.14, complaints: 0.14, account: 0.18 },
    agents: ['U07LMOREA12', 'U07ENOVAK13', 'U07FZAHRA11'],
  },
  {
    id: 3,
    key: 'oakhaven',
    fbPageId: '112640087532914',
    name: 'Oakhaven Furniture',
    botName: 'Oakhaven Helper',
    weight: 0.2,
    products: [
      { name: 'Linden 3-Seat Sofa', price: 1149 },
      { name: 'Harbor Oak Dining Table', price: 789 },
      { name: 'Nordic Lounge Chair', price: 329 },
      { name: 'Cedar Queen Bed Frame', price: 549 },
      { name: 'Atlas Bookshelf', price: 179 },
      { name: 'Willow Coffee Table', price: 229 },
    ],
    topicWeights: { price: 0.18, availability: 0.16, shipping: 0.3, returns: 0.12, complaints: 0.14, account: 0.1 },
    agents: ['U07NWILLM14', 'U07JCARTR10'],
  },
];

export const pageWeights: Record<string, number> = Object.fromEntries(PAGES.map((p) => [p.key, p.weight]));

export const FIRST_NAMES = [
  'Olivia', 'Liam', 'Ava', 'Noah', 'Mia', 'Ethan', 'Sophia', 'Lucas', 'Amelia', 'Mason', 'Isabella', 'Logan',
  'Chloe', 'Aiden', 'Zoe', 'Elijah', 'Layla', 'Mateo', 'Nora', 'Omar', 'Hana', 'Ravi', 'Ines', 'Kofi',
  'Yuki', 'Leila', 'Diego', 'Anya', 'Tariq', 'Freya', 'Jonas', 'Camila', 'Arjun', 'Sara', 'Malik', 'Elena',
  'Ben', 'Grace', 'Victor', 'Maya',
] as const;

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Garcia', 'Brown', 'Nguyen', 'Patel', 'Kim', 'Silva', 'Muller', 'Rossi', 'Khan', 'Lopez',
  'Wilson', 'Anderson', 'Taylor', 'Thomas', 'Moore', 'Martin', 'Jackson', 'White', 'Harris', 'Clark', 'Lewis',
  'Walker', 'Young', 'Allen', 'Wright', 'Scott', 'Adams', 'Baker', 'Nelson', 'Hill', 'Campbell', 'Mitchell',
  'Roberts', 'Carter', 'Phillips', 'Evans', 'Turner', 'Okafor',
] as const;

export const CITIES = ['Austin', 'Denver', 'Portland', 'Chicago', 'Atlanta', 'Boston', 'Phoenix', 'Seattle', 'Miami', 'Columbus'] as const;
