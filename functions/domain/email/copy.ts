import type { TemplateLocale } from './locale';

/**
 * The words of Lojal's mail, per language. Pure functions of already-validated data; the
 * templates (templates.ts) escape whatever they return before it reaches HTML, so copy is
 * plain text. Subjects never carry the member's name: the mail log keeps subjects, and
 * names are personal data that a deletion must be able to erase.
 */
export interface MailCopy {
  readonly greeting: (firstName: string | undefined) => string;
  /** `formatted` is `n` written the local way (`2 598`, `2,598`). */
  readonly points: (n: number, formatted: string) => string;
  readonly age: (days: number) => string;
  /** A tenure as months, `6 months`. */
  readonly months: (months: number) => string;
  /** A place in a ranking in digits, the way the language writes it: `2nd`, `2:a`, `2.`. */
  readonly place: (rank: number) => string;
  readonly welcome: {
    readonly subject: (brand: string) => string;
    readonly intro: (brand: string) => string;
    readonly balance: (points: string) => string;
    readonly earnHeading: string;
    readonly earnRate: (points: string, amount: string) => string;
    readonly multiplier: (factor: string, category: string) => string;
    readonly activity: (points: string, activity: string) => string;
    readonly firstOrderBonus: (points: string) => string;
  };
  readonly checkin: {
    readonly subject: (product: string | undefined) => string;
    readonly intro: (products: string) => string;
    readonly onePurchase: string;
    readonly question: string;
    readonly scale: string;
    readonly reply: string;
  };
  readonly replacement: {
    readonly subject: (product: string) => string;
    readonly line: (product: string, age: string) => string;
    readonly nudge: string;
    readonly related: string;
    readonly cta: string;
  };
  readonly anniversary: {
    readonly subject: (years: number, brand: string) => string;
    readonly body: (years: number) => string;
    readonly bonus: (points: string) => string;
  };
  readonly birthday: {
    readonly subject: (brand: string) => string;
    readonly body: string;
    readonly bonus: (points: string) => string;
  };
  readonly tier: {
    readonly upgradeSubject: (tier: string) => string;
    readonly downgradeSubject: (tier: string) => string;
    readonly expiringSubject: (tier: string) => string;
    readonly upgrade: (tier: string) => string;
    readonly downgrade: (tier: string) => string;
    /** `factor` as `formatFactor` writes it (`1,5×`). */
    readonly multiplier: (factor: string) => string;
    readonly review: (date: string) => string;
    readonly expiring: (tier: string, date: string, projectedTier: string) => string;
    readonly toKeep: (points: string, tier: string) => string;
    readonly cta: string;
  };
  readonly reward: {
    readonly subject: (reward: string) => string;
    readonly body: (reward: string) => string;
    readonly code: (code: string) => string;
    readonly validUntil: (date: string) => string;
    readonly cta: string;
  };
  readonly expiry: {
    readonly subject: (points: string) => string;
    readonly body: (points: string, date: string) => string;
    readonly nudge: string;
    readonly cta: string;
  };
  readonly perk: {
    readonly subject: (perk: string) => string;
    /** `months` as `months` writes it. */
    readonly body: (perk: string, months: string) => string;
    readonly thanks: (brand: string) => string;
    readonly cta: string;
  };
  readonly challenge: {
    /** `place` as `place` writes it; `shared` when members tied on the score hold the place together. */
    readonly subject: (challenge: string, place: string, shared: boolean) => string;
    readonly body: (challenge: string, place: string, shared: boolean) => string;
    readonly prize: (points: string) => string;
    readonly thanks: (brand: string) => string;
    readonly cta: string;
  };
  readonly footer: {
    readonly service: (brand: string) => string;
    readonly marketing: (brand: string) => string;
    readonly unsubscribe: string;
  };
  /** Names of common activities; an activity without one is shown by its configured name. */
  readonly activities: Readonly<Record<string, string>>;
  /** The pages the links in mail open (functions/api/member/mail-pages.ts). */
  readonly pages: {
    readonly unsubscribeTitle: string;
    readonly unsubscribeQuestion: (brand: string) => string;
    readonly unsubscribeButton: string;
    readonly unsubscribed: (brand: string) => string;
    readonly checkinChosen: (score: number) => string;
    readonly checkinButton: string;
    readonly checkinThanks: string;
    readonly invalidLink: string;
  };
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** Digits and the suffix `Intl`'s ordinal rules pick for them (`one`, `two`, `few`, `other`): 21st, 22nd, 23rd, 11th. */
function ordinal(
  locale: string,
  suffixes: Partial<Record<Intl.LDMLPluralRule, string>> & { readonly other: string },
): (n: number) => string {
  const rules = new Intl.PluralRules(locale, { type: 'ordinal' });
  return (n) => `${n}${suffixes[rules.select(n)] ?? suffixes.other}`;
}

/** Days as a customer says them: days up to two months, then months, then years. */
function ageIn(days: number, units: { day: [string, string]; month: [string, string]; year: [string, string] }): string {
  if (days < 60) return `${days} ${plural(days, ...units.day)}`;
  if (days < 730) {
    const months = Math.round(days / 30.44);
    return `${months} ${plural(months, ...units.month)}`;
  }
  const years = Math.round(days / 365.25);
  return `${years} ${plural(years, ...units.year)}`;
}

const en: MailCopy = {
  greeting: (name) => (name ? `Hi ${name},` : 'Hi,'),
  points: (n, formatted) => `${formatted} ${plural(n, 'point', 'points')}`,
  age: (days) => ageIn(days, { day: ['day', 'days'], month: ['month', 'months'], year: ['year', 'years'] }),
  months: (n) => `${n} ${plural(n, 'month', 'months')}`,
  place: ordinal('en', { one: 'st', two: 'nd', few: 'rd', other: 'th' }),
  welcome: {
    subject: (brand) => `Welcome to ${brand}`,
    intro: (brand) => `Welcome to ${brand}'s loyalty programme: every purchase earns you points.`,
    balance: (points) => `You have ${points} right now.`,
    earnHeading: 'How to earn more',
    earnRate: (points, amount) => `${points} for every ${amount} you spend`,
    multiplier: (factor, category) => `${factor} the points on ${category}`,
    activity: (points, activity) => `${points} for ${activity}`,
    firstOrderBonus: (points) => `${points} extra on your first order`,
  },
  checkin: {
    subject: (product) => (product ? `Is everything right with your ${product}?` : 'Is everything right with your order?'),
    intro: (products) => `A while ago you bought ${products}. We hope everything is as it should be.`,
    onePurchase: 'your purchase',
    question: 'How likely are you to recommend us to a friend?',
    scale: '0 = not at all likely, 10 = extremely likely',
    reply: 'If something is not right, just reply to this email and we will help.',
  },
  replacement: {
    subject: (product) => `Time to replace your ${product}?`,
    line: (product, age) => `${product}: bought ${age} ago`,
    nudge: 'After that long, most are ready to be replaced.',
    related: 'Goes well with',
    cta: 'Visit the shop',
  },
  anniversary: {
    subject: (years, brand) => `${years} ${plural(years, 'year', 'years')} with ${brand} – thank you!`,
    body: (years) => `Today it is ${years} ${plural(years, 'year', 'years')} since you became a member.`,
    bonus: (points) => `To say thank you, we have added ${points} to your account.`,
  },
  birthday: {
    subject: (brand) => `Happy birthday from ${brand}!`,
    body: 'We hope you have a wonderful day.',
    bonus: (points) => `To celebrate, we have added ${points} to your account.`,
  },
  tier: {
    upgradeSubject: (tier) => `Welcome to ${tier}!`,
    downgradeSubject: (tier) => `Your status is now ${tier}`,
    expiringSubject: (tier) => `Keep your ${tier} status`,
    upgrade: (tier) => `Congratulations: your purchases have taken you up to ${tier}.`,
    downgrade: (tier) => `Your status has been reviewed and is now ${tier}.`,
    multiplier: (factor) => `From now on you earn ${factor} the points on every purchase.`,
    review: (date) => `Your status is next reviewed on ${date}.`,
    expiring: (tier, date, projectedTier) =>
      `Your ${tier} status is reviewed on ${date}. On what you have earned so far, it would become ${projectedTier}.`,
    toKeep: (points, tier) => `Earn ${points} more before then to keep ${tier}.`,
    cta: 'Visit the shop',
  },
  reward: {
    subject: (reward) => `Your reward: ${reward}`,
    body: (reward) => `You have earned ${reward}.`,
    code: (code) => `Your code: ${code}`,
    validUntil: (date) => `Use it at checkout by ${date}.`,
    cta: 'Visit the shop',
  },
  expiry: {
    subject: (points) => `${points} expire soon`,
    body: (points, date) => `${points} in your account are valid until ${date}.`,
    nudge: 'Use them before then, or they expire.',
    cta: 'Visit the shop',
  },
  perk: {
    subject: (perk) => `A new perk for you: ${perk}`,
    body: (perk, months) => `You have now been a member for ${months}, and that brings you a new perk: ${perk}.`,
    thanks: (brand) => `Thank you for staying with ${brand}.`,
    cta: 'Visit the shop',
  },
  challenge: {
    subject: (challenge, place, shared) => (shared ? `You share ${place} place in ${challenge}` : `You came ${place} in ${challenge}`),
    body: (challenge, place, shared) =>
      shared
        ? `The results of ${challenge} are in: you share ${place} place with others on the same score.`
        : `The results of ${challenge} are in: you came ${place}.`,
    prize: (points) => `Your prize of ${points} is already in your account.`,
    thanks: (brand) => `Congratulations from all of us at ${brand}!`,
    cta: 'Visit the shop',
  },
  footer: {
    service: (brand) => `You get this email because you are a member of ${brand}'s loyalty programme.`,
    marketing: (brand) => `You get this email because you said yes to news from ${brand}.`,
    unsubscribe: 'Unsubscribe',
  },
  activities: { review: 'writing a review', referral: 'referring a friend', course: 'completing a course' },
  pages: {
    unsubscribeTitle: 'Unsubscribe',
    unsubscribeQuestion: (brand) => `Stop news and offers from ${brand} by email?`,
    unsubscribeButton: 'Unsubscribe',
    unsubscribed: (brand) => `Done: you will get no more news or offers from ${brand} by email.`,
    checkinChosen: (score) => `Your answer: ${score} out of 10.`,
    checkinButton: 'Send my answer',
    checkinThanks: 'Thank you for your answer!',
    invalidLink: 'This link is not valid. Please use the link in your email.',
  },
};

const sv: MailCopy = {
  greeting: (name) => (name ? `Hej ${name}!` : 'Hej!'),
  points: (_n, formatted) => `${formatted} poäng`,
  age: (days) => ageIn(days, { day: ['dag', 'dagar'], month: ['månad', 'månader'], year: ['år', 'år'] }),
  months: (n) => `${n} ${plural(n, 'månad', 'månader')}`,
  place: ordinal('sv', { one: ':a', other: ':e' }),
  welcome: {
    subject: (brand) => `Välkommen till ${brand}`,
    intro: (brand) => `Välkommen till ${brand}s kundklubb: varje köp ger dig poäng.`,
    balance: (points) => `Just nu har du ${points}.`,
    earnHeading: 'Så tjänar du fler poäng',
    earnRate: (points, amount) => `${points} för varje ${amount} du handlar för`,
    multiplier: (factor, category) => `${factor} poängen på ${category}`,
    activity: (points, activity) => `${points} för ${activity}`,
    firstOrderBonus: (points) => `${points} extra på din första beställning`,
  },
  checkin: {
    subject: (product) => (product ? `Är du nöjd med ${product}?` : 'Är du nöjd med ditt köp?'),
    intro: (products) => `För ett tag sedan köpte du ${products}. Vi hoppas att du är nöjd.`,
    onePurchase: 'något hos oss',
    question: 'Hur troligt är det att du skulle rekommendera oss till en vän?',
    scale: '0 = inte alls troligt, 10 = mycket troligt',
    reply: 'Är något inte som det ska? Svara på det här mejlet så hjälper vi dig.',
  },
  replacement: {
    subject: (product) => `Dags att byta ut ${product}?`,
    line: (product, age) => `${product}: köpt för ${age} sedan`,
    nudge: 'Efter så lång tid är det ofta dags att byta.',
    related: 'Passar bra ihop med',
    cta: 'Till butiken',
  },
  anniversary: {
    subject: (years, brand) => `${years} år med ${brand} – tack!`,
    body: (years) => `Idag är det ${years} år sedan du blev medlem.`,
    bonus: (points) => `Som tack har vi satt in ${points} på ditt konto.`,
  },
  birthday: {
    subject: (brand) => `Grattis på födelsedagen från ${brand}!`,
    body: 'Vi hoppas att du får en riktigt fin dag.',
    bonus: (points) => `Vi firar med att sätta in ${points} på ditt konto.`,
  },
  tier: {
    upgradeSubject: (tier) => `Välkommen till ${tier}!`,
    downgradeSubject: (tier) => `Din nivå är nu ${tier}`,
    expiringSubject: (tier) => `Behåll din nivå ${tier}`,
    upgrade: (tier) => `Grattis: dina köp har tagit dig upp till ${tier}.`,
    downgrade: (tier) => `Din nivå har setts över och är nu ${tier}.`,
    multiplier: (factor) => `Från och med nu får du ${factor} poängen på varje köp.`,
    review: (date) => `Din nivå ses över nästa gång den ${date}.`,
    expiring: (tier, date, projectedTier) =>
      `Din nivå ${tier} ses över den ${date}. Med det du har tjänat hittills blir den ${projectedTier}.`,
    toKeep: (points, tier) => `Tjäna ${points} till innan dess för att behålla ${tier}.`,
    cta: 'Till butiken',
  },
  reward: {
    subject: (reward) => `Din belöning: ${reward}`,
    body: (reward) => `Du har fått ${reward}.`,
    code: (code) => `Din kod: ${code}`,
    validUntil: (date) => `Använd den i kassan senast den ${date}.`,
    cta: 'Till butiken',
  },
  expiry: {
    subject: (points) => `${points} går snart ut`,
    body: (points, date) => `${points} på ditt konto gäller till och med den ${date}.`,
    nudge: 'Använd dem innan dess, annars går de ut.',
    cta: 'Till butiken',
  },
  perk: {
    subject: (perk) => `En ny förmån till dig: ${perk}`,
    body: (perk, months) => `Nu har du varit medlem i ${months}, och det ger dig en ny förmån: ${perk}.`,
    thanks: (brand) => `Tack för att du är medlem hos ${brand}.`,
    cta: 'Till butiken',
  },
  challenge: {
    subject: (challenge, place, shared) =>
      shared ? `Du delar ${place} platsen i ${challenge}` : `Du kom på ${place} plats i ${challenge}`,
    body: (challenge, place, shared) =>
      shared
        ? `Resultatet i ${challenge} är klart: du delar ${place} platsen med andra som har lika många poäng.`
        : `Resultatet i ${challenge} är klart: du kom på ${place} plats.`,
    prize: (points) => `Ditt pris, ${points}, finns redan på ditt konto.`,
    thanks: (brand) => `Grattis från oss alla på ${brand}!`,
    cta: 'Till butiken',
  },
  footer: {
    service: (brand) => `Du får det här mejlet eftersom du är medlem i ${brand}s kundklubb.`,
    marketing: (brand) => `Du får det här mejlet eftersom du har sagt ja till nyheter från ${brand}.`,
    unsubscribe: 'Avsluta prenumerationen',
  },
  activities: { review: 'ett omdöme', referral: 'att tipsa en vän', course: 'en avklarad kurs' },
  pages: {
    unsubscribeTitle: 'Avsluta prenumerationen',
    unsubscribeQuestion: (brand) => `Vill du sluta få nyheter och erbjudanden från ${brand} via mejl?`,
    unsubscribeButton: 'Avsluta prenumerationen',
    unsubscribed: (brand) => `Klart: du får inga fler nyheter eller erbjudanden från ${brand} via mejl.`,
    checkinChosen: (score) => `Ditt svar: ${score} av 10.`,
    checkinButton: 'Skicka mitt svar',
    checkinThanks: 'Tack för ditt svar!',
    invalidLink: 'Länken är inte giltig. Använd länken i ditt mejl.',
  },
};

const nb: MailCopy = {
  greeting: (name) => (name ? `Hei ${name}!` : 'Hei!'),
  points: (_n, formatted) => `${formatted} poeng`,
  age: (days) => ageIn(days, { day: ['dag', 'dager'], month: ['måned', 'måneder'], year: ['år', 'år'] }),
  months: (n) => `${n} ${plural(n, 'måned', 'måneder')}`,
  place: (n) => `${n}.`,
  welcome: {
    subject: (brand) => `Velkommen til ${brand}`,
    intro: (brand) => `Velkommen til kundeklubben til ${brand}: hvert kjøp gir deg poeng.`,
    balance: (points) => `Akkurat nå har du ${points}.`,
    earnHeading: 'Slik tjener du flere poeng',
    earnRate: (points, amount) => `${points} for hver ${amount} du handler for`,
    multiplier: (factor, category) => `${factor} poengene på ${category}`,
    activity: (points, activity) => `${points} for ${activity}`,
    firstOrderBonus: (points) => `${points} ekstra på din første bestilling`,
  },
  checkin: {
    subject: (product) => (product ? `Er du fornøyd med ${product}?` : 'Er du fornøyd med kjøpet ditt?'),
    intro: (products) => `For en stund siden kjøpte du ${products}. Vi håper du er fornøyd.`,
    onePurchase: 'noe hos oss',
    question: 'Hvor sannsynlig er det at du vil anbefale oss til en venn?',
    scale: '0 = svært usannsynlig, 10 = svært sannsynlig',
    reply: 'Er noe ikke som det skal? Svar på denne e-posten, så hjelper vi deg.',
  },
  replacement: {
    subject: (product) => `På tide å bytte ut ${product}?`,
    line: (product, age) => `${product}: kjøpt for ${age} siden`,
    nudge: 'Etter så lang tid er det ofte på tide å bytte.',
    related: 'Passer godt sammen med',
    cta: 'Til butikken',
  },
  anniversary: {
    subject: (years, brand) => `${years} år med ${brand} – takk!`,
    body: (years) => `I dag er det ${years} år siden du ble medlem.`,
    bonus: (points) => `Som takk har vi satt inn ${points} på kontoen din.`,
  },
  birthday: {
    subject: (brand) => `Gratulerer med dagen fra ${brand}!`,
    body: 'Vi håper du får en riktig fin dag.',
    bonus: (points) => `Vi feirer med å sette inn ${points} på kontoen din.`,
  },
  tier: {
    upgradeSubject: (tier) => `Velkommen til ${tier}!`,
    downgradeSubject: (tier) => `Nivået ditt er nå ${tier}`,
    expiringSubject: (tier) => `Behold nivået ${tier}`,
    upgrade: (tier) => `Gratulerer: kjøpene dine har tatt deg opp til ${tier}.`,
    downgrade: (tier) => `Nivået ditt er vurdert på nytt og er nå ${tier}.`,
    multiplier: (factor) => `Fra nå av får du ${factor} poengene på hvert kjøp.`,
    review: (date) => `Nivået ditt vurderes neste gang ${date}.`,
    expiring: (tier, date, projectedTier) =>
      `Nivået ditt ${tier} vurderes ${date}. Med det du har tjent så langt, blir det ${projectedTier}.`,
    toKeep: (points, tier) => `Tjen ${points} til før det for å beholde ${tier}.`,
    cta: 'Til butikken',
  },
  reward: {
    subject: (reward) => `Belønningen din: ${reward}`,
    body: (reward) => `Du har fått ${reward}.`,
    code: (code) => `Koden din: ${code}`,
    validUntil: (date) => `Bruk den i kassen senest ${date}.`,
    cta: 'Til butikken',
  },
  expiry: {
    subject: (points) => `${points} utløper snart`,
    body: (points, date) => `${points} på kontoen din gjelder til og med ${date}.`,
    nudge: 'Bruk dem før det, ellers utløper de.',
    cta: 'Til butikken',
  },
  perk: {
    subject: (perk) => `En ny fordel til deg: ${perk}`,
    body: (perk, months) => `Nå har du vært medlem i ${months}, og det gir deg en ny fordel: ${perk}.`,
    thanks: (brand) => `Takk for at du er medlem hos ${brand}.`,
    cta: 'Til butikken',
  },
  challenge: {
    subject: (challenge, place, shared) => (shared ? `Du deler ${place} plass i ${challenge}` : `Du kom på ${place} plass i ${challenge}`),
    body: (challenge, place, shared) =>
      shared
        ? `Resultatet i ${challenge} er klart: du deler ${place} plass med andre som har like mange poeng.`
        : `Resultatet i ${challenge} er klart: du kom på ${place} plass.`,
    prize: (points) => `Premien din, ${points}, er allerede på kontoen din.`,
    thanks: (brand) => `Gratulerer fra oss alle i ${brand}!`,
    cta: 'Til butikken',
  },
  footer: {
    service: (brand) => `Du får denne e-posten fordi du er medlem i kundeklubben til ${brand}.`,
    marketing: (brand) => `Du får denne e-posten fordi du har takket ja til nyheter fra ${brand}.`,
    unsubscribe: 'Meld deg av',
  },
  activities: { review: 'en anmeldelse', referral: 'å tipse en venn', course: 'et fullført kurs' },
  pages: {
    unsubscribeTitle: 'Meld deg av',
    unsubscribeQuestion: (brand) => `Vil du slutte å få nyheter og tilbud fra ${brand} på e-post?`,
    unsubscribeButton: 'Meld deg av',
    unsubscribed: (brand) => `Ferdig: du får ikke flere nyheter eller tilbud fra ${brand} på e-post.`,
    checkinChosen: (score) => `Ditt svar: ${score} av 10.`,
    checkinButton: 'Send svaret mitt',
    checkinThanks: 'Takk for svaret ditt!',
    invalidLink: 'Lenken er ikke gyldig. Bruk lenken i e-posten din.',
  },
};

export const MAIL_COPY: Readonly<Record<TemplateLocale, MailCopy>> = { sv, nb, en };

/** `Intl` formatters per language, created once: a cold start should not pay for them twice. */
const numberFormats = new Map<string, Intl.NumberFormat>();

export function formatNumber(n: number, locale: TemplateLocale): string {
  let f = numberFormats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
    numberFormats.set(locale, f);
  }
  return f.format(n);
}

/** An amount in minor units (öre, cents) as money, e.g. `1,00 kr`. */
export function formatMinor(minor: number, currency: string, locale: TemplateLocale): string {
  const key = `${locale}:${currency}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    numberFormats.set(key, f);
  }
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(minor / 10 ** digits);
}

const dateFormats = new Map<TemplateLocale, Intl.DateTimeFormat>();

/** A calendar day `YYYY-MM-DD` as words, e.g. `31 mars 2028`, `31 March 2028` (British, like the English copy). */
export function formatDate(day: string, locale: TemplateLocale): string {
  let f = dateFormats.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
    dateFormats.set(locale, f);
  }
  return f.format(new Date(`${day}T00:00:00Z`));
}

/** `2` → `2×` (as "2× the points"). */
export function formatFactor(multiplier: number, locale: TemplateLocale): string {
  return `${formatNumber(multiplier, locale)}×`;
}

/** A category id as words: `running-shoes` → `running shoes`. */
export function categoryName(category: string): string {
  return category.replace(/[-_]+/g, ' ').trim();
}

/** `a`, `a and b`, `a, b and c` in the mail's language. */
export function listOf(items: readonly string[], locale: TemplateLocale): string {
  const and = locale === 'en' ? 'and' : locale === 'sv' ? 'och' : 'og';
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${and} ${items[items.length - 1]}`;
}
