/* Generated from schema.graphql by `npm run codegen`: do not edit. */
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { HomestayOrder as HomestayOrderEntity, SettleRecord as SettleRecordEntity } from '../entities.js';
import type { LandlordOwned as LandlordOwnedEntity } from '../settlements.js';
import type { OrderContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A calendar day, YYYY-MM-DD */
  Date: { input: string; output: string; }
  DateTime: { input: Date; output: Date; }
};

/** A business's earnings over a run of days, by the day each stay ended (its checkOut). */
export type BusinessIncome = {
  __typename?: 'BusinessIncome';
  /** Cents: the sum of the settlements of the stays that ended from `from` to `to`. */
  amount: Scalars['Int']['output'];
  /** First day counted (included). */
  from: Scalars['Date']['output'];
  /** How many settled stays that is. */
  stays: Scalars['Int']['output'];
  /** Last day counted (included). */
  to: Scalars['Date']['output'];
};

export type CreateHomestayOrderInput = {
  /** Today or later, in the platform's time zone. */
  checkIn: Scalars['Date']['input'];
  /** After checkIn, at most 30 nights later. */
  checkOut: Scalars['Date']['input'];
  /** 1 to the homestay's peopleNum. */
  guests: Scalars['Int']['input'];
  homestayId: Scalars['ID']['input'];
  /** The same key from the same user returns the first order instead of booking again (1 to 64 characters). */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  needFood?: InputMaybe<Scalars['Boolean']['input']>;
  /** At most 255 characters. */
  remark?: InputMaybe<Scalars['String']['input']>;
};

export type Homestay = {
  __typename?: 'Homestay';
  id: Scalars['ID']['output'];
  /** The homestay's landlord (homestay subgraph): what settlements needs to check the caller. */
  landlord: User;
  /** What the platform settled with the landlord for this homestay's stays, newest first. Only its landlord reads them (FORBIDDEN for anyone else). */
  settlements: SettlementConnection;
};


export type HomestaySettlementsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type HomestayBusiness = {
  __typename?: 'HomestayBusiness';
  id: Scalars['ID']['output'];
  /**
   * What the business earned from the stays that ended (checkOut) between from and to, both days
   * included: the sum of their settlements. Only its landlord reads it (FORBIDDEN for anyone else).
   */
  income: BusinessIncome;
  /** The business's landlord (homestay subgraph): what income needs to check the caller. */
  landlord: User;
};


export type HomestayBusinessIncomeArgs = {
  from: Scalars['Date']['input'];
  to: Scalars['Date']['input'];
};

/** A booking of one room (per-room homestays) or of places (per-person ones) for a run of nights, with a snapshot of the homestay's prices at booking time. */
export type HomestayOrder = {
  __typename?: 'HomestayOrder';
  checkIn: Scalars['Date']['output'];
  /** The day of departure: the last night is the one before it. */
  checkOut: Scalars['Date']['output'];
  /** When the order was cancelled (by its owner or at the deadline). */
  closedAt?: Maybe<Scalars['DateTime']['output']>;
  cover: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  /** Snapshot: cents per guest per night. */
  foodPrice: Scalars['Int']['output'];
  /** Cents. */
  foodTotal: Scalars['Int']['output'];
  guests: Scalars['Int']['output'];
  homestay: Homestay;
  /** Cents. */
  homestayTotal: Scalars['Int']['output'];
  needFood: Scalars['Boolean']['output'];
  nights: Scalars['Int']['output'];
  paidAt?: Maybe<Scalars['DateTime']['output']>;
  /** An unpaid order is cancelled at this instant. */
  payDeadline: Scalars['DateTime']['output'];
  /** Snapshot: cents per night (per room or per guest, see the homestay). */
  price: Scalars['Int']['output'];
  /**
   * Cents given back, set once a refund is decided (the order is REFUNDED): what the order's
   * cancellation policy allowed when the guest asked (0 when it allowed nothing), or the whole
   * payment when the payment provider refunded it. null before.
   */
  refundAmount?: Maybe<Scalars['Int']['output']>;
  remark: Scalars['String']['output'];
  /** HSO + yyyyMMddHHmmss + 8 digits */
  sn: Scalars['ID']['output'];
  state: OrderState;
  /** Snapshot of the homestay's title at booking time. */
  title: Scalars['String']['output'];
  /** Cents: homestayTotal + foodTotal. */
  total: Scalars['Int']['output'];
  /** 8 characters the guest shows at check-in; set when the order is paid. Only the guest reads it (null for the landlord). */
  tradeCode?: Maybe<Scalars['String']['output']>;
  user: User;
};

export type HomestayOrderConnection = {
  __typename?: 'HomestayOrderConnection';
  edges: Array<HomestayOrderEdge>;
  pageInfo: PageInfo;
};

export type HomestayOrderEdge = {
  __typename?: 'HomestayOrderEdge';
  cursor: Scalars['String']['output'];
  node: HomestayOrder;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Cancels the caller's unpaid order and releases its nights; CONFLICT once it is paid. */
  cancelOrder: HomestayOrder;
  /**
   * The landlord checks the guest in with the order's tradeCode (case and surrounding spaces do not
   * matter): a WAIT_USE order becomes USED, on or after its check-in day (CONFLICT before it, and for
   * an order not paid or refunded); checking in a USED order again returns it. Only the order's
   * landlord may (FORBIDDEN). A wrong code is BAD_USER_INPUT; after 5 wrong codes the order's
   * check-in is refused for 15 minutes with RATE_LIMITED (extensions.retryAfter), even with the
   * right code.
   */
  checkIn: HomestayOrder;
  /** Books the nights [checkIn, checkOut): SOLD_OUT when any night is full, nothing reserved then. */
  createHomestayOrder: HomestayOrder;
  /**
   * Cancels one of the caller's paid stays (WAIT_USE): the order becomes REFUNDED with refundAmount,
   * what the cancellation policy booked with it gives back at this moment (cents, rounded down),
   * counted to the start of the check-in day in the platform's time zone. FLEXIBLE: everything
   * until 24 h before, nothing after. MODERATE: everything until 5 days before, half after, nothing
   * once the check-in day has begun. STRICT: half until 7 days before, nothing after. The nights
   * are released and the money goes back through the payment provider (refundAmount 0 still
   * cancels the stay). Asking again returns the same order; CONFLICT unless WAIT_USE (or already
   * REFUNDED); NOT_FOUND for another user's order. Counts against the per-user payment rate limit
   * (RATE_LIMITED). reason: at most 255 characters.
   */
  requestRefund: HomestayOrder;
};


export type MutationCancelOrderArgs = {
  sn: Scalars['ID']['input'];
};


export type MutationCheckInArgs = {
  code: Scalars['String']['input'];
  orderSn: Scalars['ID']['input'];
};


export type MutationCreateHomestayOrderArgs = {
  input: CreateHomestayOrderInput;
};


export type MutationRequestRefundArgs = {
  orderSn: Scalars['ID']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};

/** looklook's trade_state, named. */
export type OrderState =
  | 'CANCELLED'
  | 'REFUNDED'
  | 'USED'
  | 'WAIT_PAY'
  | 'WAIT_USE';

export type OrderStateChange = {
  __typename?: 'OrderStateChange';
  at: Scalars['DateTime']['output'];
  /** null when the order was just created */
  from?: Maybe<OrderState>;
  order: HomestayOrder;
  to: OrderState;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
  hasPreviousPage: Scalars['Boolean']['output'];
  startCursor?: Maybe<Scalars['String']['output']>;
};

export type Query = {
  __typename?: 'Query';
  /**
   * The orders of the caller's homestays (as their landlord), newest first, optionally in one state
   * or of one homestay; empty for a user without homestays. The guest's mobile reads masked.
   */
  landlordOrders: HomestayOrderConnection;
  /** The caller's orders, newest first, optionally in one state. */
  myOrders: HomestayOrderConnection;
  /** One of the caller's orders; another user's order reads as NOT_FOUND. */
  order?: Maybe<HomestayOrder>;
};


export type QueryLandlordOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  homestayId?: InputMaybe<Scalars['ID']['input']>;
  state?: InputMaybe<OrderState>;
};


export type QueryMyOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  state?: InputMaybe<OrderState>;
};


export type QueryOrderArgs = {
  sn: Scalars['ID']['input'];
};

/**
 * What the platform owes a landlord for one finished stay, written once the stay has ended: the
 * order's total, less what was refunded. A checked-in, a never-checked-in and a partly refunded stay
 * each have one; a stay refunded in full has none.
 */
export type Settlement = {
  __typename?: 'Settlement';
  /** Cents: the order's total less its refundAmount. */
  amount: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  order: HomestayOrder;
  /** The stay's checkOut day (the day of departure). */
  periodEnd: Scalars['Date']['output'];
  /** The stay's check-in day. */
  periodStart: Scalars['Date']['output'];
  /** When the settlement was recorded. */
  settledAt: Scalars['DateTime']['output'];
};

export type SettlementConnection = {
  __typename?: 'SettlementConnection';
  edges: Array<SettlementEdge>;
  pageInfo: PageInfo;
};

export type SettlementEdge = {
  __typename?: 'SettlementEdge';
  cursor: Scalars['String']['output'];
  node: Settlement;
};

export type Subscription = {
  __typename?: 'Subscription';
  /** The caller's orders; one order when sn is given. Served by the gateway's subscription server. */
  orderStateChanged: OrderStateChange;
};


export type SubscriptionOrderStateChangedArgs = {
  sn?: InputMaybe<Scalars['ID']['input']>;
};

export type User = {
  __typename?: 'User';
  id: Scalars['ID']['output'];
  /** The user's own orders, newest first (empty for anyone but the user). */
  orders: HomestayOrderConnection;
};


export type UserOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  state?: InputMaybe<OrderState>;
};



export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = {
  Homestay: Homestay;
  HomestayBusiness: HomestayBusiness;
  HomestayOrder: HomestayOrder;
  User: User;
};

/** Mapping of federation reference types */
export type FederationReferenceTypes = {
  Homestay:
    ( { __typename: 'Homestay' }
    & GraphQLRecursivePick<FederationTypes['Homestay'], {"id":true}>
    & ( Record<PropertyKey, never>
        | GraphQLRecursivePick<FederationTypes['Homestay'], {"landlord":{"id":true}}> ) );
  HomestayBusiness:
    ( { __typename: 'HomestayBusiness' }
    & GraphQLRecursivePick<FederationTypes['HomestayBusiness'], {"id":true}>
    & ( Record<PropertyKey, never>
        | GraphQLRecursivePick<FederationTypes['HomestayBusiness'], {"landlord":{"id":true}}> ) );
  HomestayOrder:
    ( { __typename: 'HomestayOrder' }
    & GraphQLRecursivePick<FederationTypes['HomestayOrder'], {"sn":true}> );
  User:
    ( { __typename: 'User' }
    & GraphQLRecursivePick<FederationTypes['User'], {"id":true}> );
};



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  BusinessIncome: ResolverTypeWrapper<BusinessIncome>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  CreateHomestayOrderInput: CreateHomestayOrderInput;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Date: ResolverTypeWrapper<Scalars['Date']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Homestay: ResolverTypeWrapper<LandlordOwnedEntity>;
  HomestayBusiness: ResolverTypeWrapper<LandlordOwnedEntity>;
  HomestayOrder: ResolverTypeWrapper<HomestayOrderEntity>;
  HomestayOrderConnection: ResolverTypeWrapper<Omit<HomestayOrderConnection, 'edges'> & { edges: Array<ResolversTypes['HomestayOrderEdge']> }>;
  HomestayOrderEdge: ResolverTypeWrapper<Omit<HomestayOrderEdge, 'node'> & { node: ResolversTypes['HomestayOrder'] }>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  OrderState: OrderState;
  OrderStateChange: ResolverTypeWrapper<Omit<OrderStateChange, 'order'> & { order: ResolversTypes['HomestayOrder'] }>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Settlement: ResolverTypeWrapper<SettleRecordEntity>;
  SettlementConnection: ResolverTypeWrapper<Omit<SettlementConnection, 'edges'> & { edges: Array<ResolversTypes['SettlementEdge']> }>;
  SettlementEdge: ResolverTypeWrapper<Omit<SettlementEdge, 'node'> & { node: ResolversTypes['Settlement'] }>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  User: ResolverTypeWrapper<FederationReferenceTypes['User']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  BusinessIncome: BusinessIncome;
  Int: Scalars['Int']['output'];
  CreateHomestayOrderInput: CreateHomestayOrderInput;
  ID: Scalars['ID']['output'];
  Date: Scalars['Date']['output'];
  DateTime: Scalars['DateTime']['output'];
  Homestay: LandlordOwnedEntity;
  HomestayBusiness: LandlordOwnedEntity;
  HomestayOrder: HomestayOrderEntity;
  HomestayOrderConnection: Omit<HomestayOrderConnection, 'edges'> & { edges: Array<ResolversParentTypes['HomestayOrderEdge']> };
  HomestayOrderEdge: Omit<HomestayOrderEdge, 'node'> & { node: ResolversParentTypes['HomestayOrder'] };
  Mutation: Record<PropertyKey, never>;
  OrderStateChange: Omit<OrderStateChange, 'order'> & { order: ResolversParentTypes['HomestayOrder'] };
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  Settlement: SettleRecordEntity;
  SettlementConnection: Omit<SettlementConnection, 'edges'> & { edges: Array<ResolversParentTypes['SettlementEdge']> };
  SettlementEdge: Omit<SettlementEdge, 'node'> & { node: ResolversParentTypes['Settlement'] };
  Subscription: Record<PropertyKey, never>;
  User: FederationReferenceTypes['User'];
  String: Scalars['String']['output'];
  Boolean: Scalars['Boolean']['output'];
};

export type LinkDirectiveArgs = {
  as?: Maybe<Scalars['String']['input']>;
  import?: Maybe<Array<Maybe<Scalars['String']['input']>>>;
  url: Scalars['String']['input'];
};

export type LinkDirectiveResolver<Result, Parent, ContextType = OrderContext, Args = LinkDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ShareableDirectiveArgs = { };

export type ShareableDirectiveResolver<Result, Parent, ContextType = OrderContext, Args = ShareableDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type BusinessIncomeResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['BusinessIncome'] = ResolversParentTypes['BusinessIncome']> = {
  amount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  from?: Resolver<ResolversTypes['Date'], ParentType, ContextType>;
  stays?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  to?: Resolver<ResolversTypes['Date'], ParentType, ContextType>;
};

export interface DateScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['Date'], any> {
  name: 'Date';
}

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type HomestayResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Homestay'] = ResolversParentTypes['Homestay'], FederationReferenceType extends FederationReferenceTypes['Homestay'] = FederationReferenceTypes['Homestay']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Homestay']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  settlements?: Resolver<ResolversTypes['SettlementConnection'], ParentType, ContextType, Partial<HomestaySettlementsArgs>>;
};

export type HomestayBusinessResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['HomestayBusiness'] = ResolversParentTypes['HomestayBusiness'], FederationReferenceType extends FederationReferenceTypes['HomestayBusiness'] = FederationReferenceTypes['HomestayBusiness']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['HomestayBusiness']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  income?: Resolver<ResolversTypes['BusinessIncome'], ParentType, ContextType, RequireFields<HomestayBusinessIncomeArgs, 'from' | 'to'>>;
};

export type HomestayOrderResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['HomestayOrder'] = ResolversParentTypes['HomestayOrder'], FederationReferenceType extends FederationReferenceTypes['HomestayOrder'] = FederationReferenceTypes['HomestayOrder']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['HomestayOrder']> | FederationReferenceType, FederationReferenceType, ContextType>;
  checkIn?: Resolver<ResolversTypes['Date'], ParentType, ContextType>;
  checkOut?: Resolver<ResolversTypes['Date'], ParentType, ContextType>;
  closedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  cover?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  foodPrice?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  foodTotal?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  guests?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  homestay?: Resolver<ResolversTypes['Homestay'], ParentType, ContextType>;
  homestayTotal?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  needFood?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  nights?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  paidAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  payDeadline?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  price?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  refundAmount?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  remark?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sn?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  state?: Resolver<ResolversTypes['OrderState'], ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  tradeCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type HomestayOrderConnectionResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['HomestayOrderConnection'] = ResolversParentTypes['HomestayOrderConnection']> = {
  edges?: Resolver<Array<ResolversTypes['HomestayOrderEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type HomestayOrderEdgeResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['HomestayOrderEdge'] = ResolversParentTypes['HomestayOrderEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['HomestayOrder'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  cancelOrder?: Resolver<ResolversTypes['HomestayOrder'], ParentType, ContextType, RequireFields<MutationCancelOrderArgs, 'sn'>>;
  checkIn?: Resolver<ResolversTypes['HomestayOrder'], ParentType, ContextType, RequireFields<MutationCheckInArgs, 'code' | 'orderSn'>>;
  createHomestayOrder?: Resolver<ResolversTypes['HomestayOrder'], ParentType, ContextType, RequireFields<MutationCreateHomestayOrderArgs, 'input'>>;
  requestRefund?: Resolver<ResolversTypes['HomestayOrder'], ParentType, ContextType, RequireFields<MutationRequestRefundArgs, 'orderSn'>>;
};

export type OrderStateChangeResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['OrderStateChange'] = ResolversParentTypes['OrderStateChange']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  from?: Resolver<Maybe<ResolversTypes['OrderState']>, ParentType, ContextType>;
  order?: Resolver<ResolversTypes['HomestayOrder'], ParentType, ContextType>;
  to?: Resolver<ResolversTypes['OrderState'], ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  landlordOrders?: Resolver<ResolversTypes['HomestayOrderConnection'], ParentType, ContextType, Partial<QueryLandlordOrdersArgs>>;
  myOrders?: Resolver<ResolversTypes['HomestayOrderConnection'], ParentType, ContextType, Partial<QueryMyOrdersArgs>>;
  order?: Resolver<Maybe<ResolversTypes['HomestayOrder']>, ParentType, ContextType, RequireFields<QueryOrderArgs, 'sn'>>;
};

export type SettlementResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Settlement'] = ResolversParentTypes['Settlement']> = {
  amount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  order?: Resolver<ResolversTypes['HomestayOrder'], ParentType, ContextType>;
  periodEnd?: Resolver<ResolversTypes['Date'], ParentType, ContextType>;
  periodStart?: Resolver<ResolversTypes['Date'], ParentType, ContextType>;
  settledAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type SettlementConnectionResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['SettlementConnection'] = ResolversParentTypes['SettlementConnection']> = {
  edges?: Resolver<Array<ResolversTypes['SettlementEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type SettlementEdgeResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['SettlementEdge'] = ResolversParentTypes['SettlementEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Settlement'], ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  orderStateChanged?: SubscriptionResolver<ResolversTypes['OrderStateChange'], "orderStateChanged", ParentType, ContextType, Partial<SubscriptionOrderStateChangedArgs>>;
};

export type UserResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'], FederationReferenceType extends FederationReferenceTypes['User'] = FederationReferenceTypes['User']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['User']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  orders?: Resolver<ResolversTypes['HomestayOrderConnection'], ParentType, ContextType, Partial<UserOrdersArgs>>;
};

export type Resolvers<ContextType = OrderContext> = {
  BusinessIncome?: BusinessIncomeResolvers<ContextType>;
  Date?: GraphQLScalarType;
  DateTime?: GraphQLScalarType;
  Homestay?: HomestayResolvers<ContextType>;
  HomestayBusiness?: HomestayBusinessResolvers<ContextType>;
  HomestayOrder?: HomestayOrderResolvers<ContextType>;
  HomestayOrderConnection?: HomestayOrderConnectionResolvers<ContextType>;
  HomestayOrderEdge?: HomestayOrderEdgeResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  OrderStateChange?: OrderStateChangeResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Settlement?: SettlementResolvers<ContextType>;
  SettlementConnection?: SettlementConnectionResolvers<ContextType>;
  SettlementEdge?: SettlementEdgeResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = OrderContext> = {
  link?: LinkDirectiveResolver<any, any, ContextType>;
  shareable?: ShareableDirectiveResolver<any, any, ContextType>;
};
