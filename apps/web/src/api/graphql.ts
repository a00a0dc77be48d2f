/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /**
   * Implement the DateTime<Utc> scalar
   *
   * The input/output is a string in RFC3339 format.
   */
  DateTime: { input: string; output: string; }
  /** A scalar that can represent any JSON value. */
  JSON: { input: unknown; output: unknown; }
  /**
   * A UUID is a unique 128-bit number, stored as 16 octets. UUIDs are parsed as
   * Strings within GraphQL. UUIDs are used to assign unique identifiers to
   * entities without requiring a central allocating authority.
   *
   * # References
   *
   * * [Wikipedia: Universally Unique Identifier](http://en.wikipedia.org/wiki/Universally_unique_identifier)
   * * [RFC4122: A Universally Unique Identifier (UUID) URN Namespace](http://tools.ietf.org/html/rfc4122)
   */
  UUID: { input: string; output: string; }
};

/** An announcement to everyone attending a session (`sendAnnouncement`). */
export type AnnouncementInput = {
  body: Scalars['String']['input'];
  /** Defaults to `[EMAIL]`. */
  channels?: InputMaybe<Array<NotificationChannel>>;
  sessionId: Scalars['UUID']['input'];
  subject: Scalars['String']['input'];
};

export type AttendeeSource =
  | 'REGISTRATION'
  | 'TICKET';

export type AttendeeStatus =
  | 'ACTIVE'
  | 'CONFIRMED'
  | 'USED'
  | 'WAITLISTED';

/** One section of one of the event's sessions, in one call (`buyTickets`). */
export type BuyTicketsInput = {
  /** For general admission. */
  quantity?: InputMaybe<Scalars['Int']['input']>;
  /** For seated sections: the seats wanted. */
  seatIds?: InputMaybe<Array<Scalars['UUID']['input']>>;
  sessionId: Scalars['UUID']['input'];
  ticketTypeId: Scalars['UUID']['input'];
};

export type CheckInInput = {
  /** Where the scan happens, e.g. `North 2`. */
  gate: Scalars['String']['input'];
  /** The session being admitted; a ticket for another session is refused. */
  sessionId?: InputMaybe<Scalars['UUID']['input']>;
  /** The token from the ticket's QR code. */
  token: Scalars['String']['input'];
};

export type CheckInOutcome =
  | 'ADMITTED';

/** The cart a coupon preview prices. */
export type CouponCheckInput = {
  items: Array<ItemInput>;
  sessionId: Scalars['UUID']['input'];
};

/**
 * A coupon to create, or the fields a `updateCoupon` changes (absent ones
 * keep their value; `scriptId: null` detaches the rule script).
 */
export type CouponInput = {
  active?: InputMaybe<Scalars['Boolean']['input']>;
  /** 3–40 letters, digits, `-` or `_`; matched whatever the case. */
  code?: InputMaybe<Scalars['String']['input']>;
  currency?: InputMaybe<Scalars['String']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  eventIds?: InputMaybe<Array<Scalars['UUID']['input']>>;
  /** `percent` or `fixed`. */
  kind?: InputMaybe<Scalars['String']['input']>;
  maxUses?: InputMaybe<Scalars['Int']['input']>;
  maxUsesPerUser?: InputMaybe<Scalars['Int']['input']>;
  minQuantity?: InputMaybe<Scalars['Int']['input']>;
  scriptId?: InputMaybe<Scalars['UUID']['input']>;
  sessionIds?: InputMaybe<Array<Scalars['UUID']['input']>>;
  ticketTypeIds?: InputMaybe<Array<Scalars['UUID']['input']>>;
  validFrom?: InputMaybe<Scalars['DateTime']['input']>;
  validUntil?: InputMaybe<Scalars['DateTime']['input']>;
  /** Percent (1..=100) or minor units. */
  value?: InputMaybe<Scalars['Int']['input']>;
};

/** Filters of `events`. */
export type EventFilter = {
  category?: InputMaybe<Scalars['String']['input']>;
  /** Events that end after this instant. */
  from?: InputMaybe<Scalars['DateTime']['input']>;
  /** Only with a credential that may see unpublished events. */
  status?: InputMaybe<EventStatus>;
  /** Events that start before this instant. */
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

/** A whole event (`createEvent`). */
export type EventInput = {
  category: Scalars['String']['input'];
  description?: InputMaybe<Scalars['String']['input']>;
  endsAt: Scalars['DateTime']['input'];
  imageUrl?: InputMaybe<Scalars['String']['input']>;
  startsAt: Scalars['DateTime']['input'];
  /** Defaults to `DRAFT`. */
  status?: InputMaybe<EventStatus>;
  /** IANA zone, e.g. `Europe/Madrid`. */
  timezone: Scalars['String']['input'];
  title: Scalars['String']['input'];
  venue?: InputMaybe<Scalars['String']['input']>;
};

/** Some fields of an event (`updateEvent`); `imageUrl: null` removes the image. */
export type EventPatchInput = {
  category?: InputMaybe<Scalars['String']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  endsAt?: InputMaybe<Scalars['DateTime']['input']>;
  imageUrl?: InputMaybe<Scalars['String']['input']>;
  startsAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** A legal transition: `DRAFT` ⇄ `PUBLISHED`, either → `CANCELLED`. */
  status?: InputMaybe<EventStatus>;
  timezone?: InputMaybe<Scalars['String']['input']>;
  title?: InputMaybe<Scalars['String']['input']>;
  venue?: InputMaybe<Scalars['String']['input']>;
};

export type EventStatus =
  | 'CANCELLED'
  | 'DRAFT'
  | 'PUBLISHED';

export type HoldInput = {
  items: Array<ItemInput>;
  sessionId: Scalars['UUID']['input'];
};

export type ItemInput = {
  /** For general admission. */
  quantity?: InputMaybe<Scalars['Int']['input']>;
  /** For seated sections: the seats wanted. */
  seatIds?: InputMaybe<Array<Scalars['UUID']['input']>>;
  ticketTypeId: Scalars['UUID']['input'];
};

export type NewTenantAdminInput = {
  displayName?: InputMaybe<Scalars['String']['input']>;
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
};

/** A tenant to onboard, with its first administrator. */
export type NewTenantInput = {
  admin: NewTenantAdminInput;
  name: Scalars['String']['input'];
  /** Sets the tenant's request rates; `STANDARD` when omitted. */
  plan?: InputMaybe<Plan>;
  slug: Scalars['String']['input'];
};

export type NewUserInput = {
  displayName: Scalars['String']['input'];
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
  role: Role;
};

export type NotificationChannel =
  | 'EMAIL'
  | 'SMS';

export type NotificationStatus =
  /** Refused for good, or out of attempts. */
  | 'FAILED'
  /** Waiting for its (next) attempt. */
  | 'QUEUED'
  | 'SENT';

/** Buy what a hold reserves (`holdId`), or items of a session directly. */
export type OrderInput = {
  /** A coupon to redeem; refused (and nothing bought) when it does not apply. */
  couponCode?: InputMaybe<Scalars['String']['input']>;
  holdId?: InputMaybe<Scalars['UUID']['input']>;
  items?: InputMaybe<Array<ItemInput>>;
  sessionId?: InputMaybe<Scalars['UUID']['input']>;
};

/** Sets a tenant's request rates. */
export type Plan =
  | 'ENTERPRISE'
  | 'FREE'
  | 'STANDARD';

/** Profile fields a user may change on themselves. */
export type ProfileInput = {
  currentPassword?: InputMaybe<Scalars['String']['input']>;
  displayName?: InputMaybe<Scalars['String']['input']>;
  locale?: InputMaybe<Scalars['String']['input']>;
  /** Changing the password requires `currentPassword`. */
  password?: InputMaybe<Scalars['String']['input']>;
  phone?: InputMaybe<Scalars['String']['input']>;
};

/** Price a hold (`holdId`), or items of a session, with an optional coupon. */
export type QuoteInput = {
  couponCode?: InputMaybe<Scalars['String']['input']>;
  holdId?: InputMaybe<Scalars['UUID']['input']>;
  items?: InputMaybe<Array<ItemInput>>;
  sessionId?: InputMaybe<Scalars['UUID']['input']>;
};

export type RegistrationStatus =
  | 'CANCELLED'
  | 'CONFIRMED'
  | 'WAITLISTED';

export type Role =
  | 'ATTENDEE'
  | 'ORGANIZER'
  | 'PLATFORM_ADMIN'
  | 'STAFF'
  | 'TENANT_ADMIN';

/** A new script (version 1). */
export type ScriptInput = {
  /** Pricing scripts: the event they price; absent: the tenant-wide default. */
  eventId?: InputMaybe<Scalars['UUID']['input']>;
  /** `pricing` (`fn price(ctx)`) or `coupon` (`fn apply(ctx)`). */
  kind: Scalars['String']['input'];
  name: Scalars['String']['input'];
  source: Scalars['String']['input'];
  /** `[{name, context, expected}]`; activation needs them all to pass. */
  testCases?: InputMaybe<Scalars['JSON']['input']>;
};

/** A new version of a script. */
export type ScriptVersionInput = {
  source: Scalars['String']['input'];
  testCases?: InputMaybe<Scalars['JSON']['input']>;
};

export type SeatInput = {
  /** Shown to buyers; defaults to `<row><number>`. */
  label?: InputMaybe<Scalars['String']['input']>;
  number: Scalars['Int']['input'];
  row: Scalars['String']['input'];
  x?: InputMaybe<Scalars['Float']['input']>;
  y?: InputMaybe<Scalars['Float']['input']>;
};

/** A new session (`createSession`); it starts as `DRAFT`. */
export type SessionInput = {
  capacity: Scalars['Int']['input'];
  endsAt: Scalars['DateTime']['input'];
  presenter?: InputMaybe<Scalars['String']['input']>;
  startsAt: Scalars['DateTime']['input'];
  title: Scalars['String']['input'];
  /** Room or stage; sessions at the same one may not overlap. */
  venue?: InputMaybe<Scalars['String']['input']>;
};

/**
 * Some fields of a session (`updateSession`). `status` moves it along the
 * machine: draft → teaser → presale → on sale → in progress → finished;
 * live states may be suspended or cancelled (cancelling releases its sales).
 */
export type SessionPatchInput = {
  capacity?: InputMaybe<Scalars['Int']['input']>;
  endsAt?: InputMaybe<Scalars['DateTime']['input']>;
  presenter?: InputMaybe<Scalars['String']['input']>;
  startsAt?: InputMaybe<Scalars['DateTime']['input']>;
  status?: InputMaybe<SessionStatus>;
  title?: InputMaybe<Scalars['String']['input']>;
  venue?: InputMaybe<Scalars['String']['input']>;
};

export type SessionStatus =
  | 'CANCELLED'
  | 'DRAFT'
  | 'FINISHED'
  | 'IN_PROGRESS'
  | 'ON_SALE'
  | 'PRESALE'
  | 'SUSPENDED'
  | 'TEASER';

export type TenantPatchInput = {
  name?: InputMaybe<Scalars['String']['input']>;
  /** Takes effect on the tenant's next requests. */
  plan?: InputMaybe<Plan>;
  /** `SUSPENDED` stops every credential of the tenant at once. */
  status?: InputMaybe<TenantStatus>;
};

/** The tenant's settings; omitted fields take their defaults (as REST's `PUT /settings`). */
export type TenantSettingsInput = {
  /** `#rrggbb`; `null` removes it. */
  accentColor?: InputMaybe<Scalars['String']['input']>;
  /** `#rrggbb`; `null` removes it. */
  brandColor?: InputMaybe<Scalars['String']['input']>;
  holdMinutes?: InputMaybe<Scalars['Int']['input']>;
  /** `stripe` or `manual`; `null`: the deployment's default. */
  paymentProvider?: InputMaybe<Scalars['String']['input']>;
  /** A failing pricing script sells at base price instead of refusing the sale. */
  pricingScriptFallback?: InputMaybe<Scalars['Boolean']['input']>;
  resaleCapPercent?: InputMaybe<Scalars['Int']['input']>;
  /** A scripted unit price is at most the base price times this (1..=100). */
  scriptPriceCap?: InputMaybe<Scalars['Int']['input']>;
  /** Stripe Connect account (`acct_…`); `null` removes it. */
  stripeAccountId?: InputMaybe<Scalars['String']['input']>;
};

export type TenantStatus =
  | 'ACTIVE'
  | 'SUSPENDED';

export type TicketStatus =
  /** Valid for entry. */
  | 'ACTIVE'
  /** Checked in. */
  | 'USED'
  /** Cancelled, refunded or replaced; its QR no longer admits. */
  | 'VOID';

export type TicketTypeInput = {
  /** Ignored for seated types: their capacity is their seat map. */
  capacity?: InputMaybe<Scalars['Int']['input']>;
  /** ISO 4217, e.g. `EUR`. */
  currency: Scalars['String']['input'];
  maxPerOrder?: InputMaybe<Scalars['Int']['input']>;
  minPerOrder?: InputMaybe<Scalars['Int']['input']>;
  name: Scalars['String']['input'];
  /** Price in minor units (cents) of `currency`. */
  priceMinor: Scalars['Int']['input'];
  salesClosesAt?: InputMaybe<Scalars['DateTime']['input']>;
  salesOpensAt?: InputMaybe<Scalars['DateTime']['input']>;
  seated?: InputMaybe<Scalars['Boolean']['input']>;
};

/** Some fields of a ticket type; `salesOpensAt: null` removes the window's start. */
export type TicketTypePatchInput = {
  capacity?: InputMaybe<Scalars['Int']['input']>;
  maxPerOrder?: InputMaybe<Scalars['Int']['input']>;
  minPerOrder?: InputMaybe<Scalars['Int']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  priceMinor?: InputMaybe<Scalars['Int']['input']>;
  salesClosesAt?: InputMaybe<Scalars['DateTime']['input']>;
  salesOpensAt?: InputMaybe<Scalars['DateTime']['input']>;
};

/** What an administrator may change on a user. */
export type UserAdminInput = {
  active?: InputMaybe<Scalars['Boolean']['input']>;
  displayName?: InputMaybe<Scalars['String']['input']>;
  isMember?: InputMaybe<Scalars['Boolean']['input']>;
  locale?: InputMaybe<Scalars['String']['input']>;
  phone?: InputMaybe<Scalars['String']['input']>;
  role?: InputMaybe<Role>;
};

export type SeatsSubscriptionVariables = Exact<{
  sessionId: string;
}>;


export type SeatsSubscription = { seatChanged: { sessionId: string, ticketTypeId: string, seatId: string, state: string } };

export type AvailabilitySubscriptionVariables = Exact<{
  sessionId: string;
}>;


export type AvailabilitySubscription = { availabilityChanged: { sessionId: string, ticketTypeId: string, capacity: number, sold: number, held: number, available: number } };
