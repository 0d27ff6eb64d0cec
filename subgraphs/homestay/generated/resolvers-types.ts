/* Generated from schema.graphql by `npm run codegen`: do not edit. */
import type { RowTypeCode as HomestayRowType } from '../entities.js';
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Homestay as HomestayEntity, HomestayBusiness as HomestayBusinessEntity, HomestayComment as HomestayCommentEntity } from '../entities.js';
import type { UserRef as UserRefEntity } from '../landlord-names.js';
import type { HomestayContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
export type EnumResolverSignature<T, AllowedValues = any> = { [key in keyof T]?: AllowedValues };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  Date: { input: string; output: string; }
  DateTime: { input: Date; output: Date; }
};

/**
 * What a guest gets back when cancelling a paid stay (requestRefund), by how long before the
 * check-in day starts (in the platform's time zone) the guest asks.
 */
export type CancellationPolicy =
  /** Everything until 24 hours before check-in day; nothing after. */
  | 'FLEXIBLE'
  /** Everything until 5 days before; half after that; nothing from check-in day. */
  | 'MODERATE'
  /** Half until 7 days before; nothing after. */
  | 'STRICT';

/** A business of the signed-in user (createBusiness). */
export type CreateBusinessInput = {
  /** At most 1024 characters. */
  info?: InputMaybe<Scalars['String']['input']>;
  /** 1 to 32 characters. */
  title: Scalars['String']['input'];
};

/** A new homestay of one of the caller's businesses. Prices are cents. */
export type CreateHomestayInput = {
  /** A business of the caller (another landlord's: FORBIDDEN). */
  businessId: Scalars['ID']['input'];
  cancellationPolicy: CancellationPolicy;
  /** 1 to 64 characters. */
  city: Scalars['String']['input'];
  /** At most 255 characters. */
  foodInfo?: InputMaybe<Scalars['String']['input']>;
  /** Cents per guest per night: 0 to 100000000. */
  foodPrice: Scalars['Int']['input'];
  /** At most 4096 characters. */
  info?: InputMaybe<Scalars['String']['input']>;
  /** Bookable from now on (false keeps it off the lists and refuses bookings). */
  onSale?: InputMaybe<Scalars['Boolean']['input']>;
  /** Guests one stay may have: 1 to 50. */
  peopleNum: Scalars['Int']['input'];
  /** Cents per night (per room, or per guest for PER_PERSON): 0 to 100000000. */
  price: Scalars['Int']['input'];
  /** Rooms sold per night: 1 to 500. */
  roomCount: Scalars['Int']['input'];
  rowType: HomestayRowType;
  /** At most 128 characters. */
  subTitle?: InputMaybe<Scalars['String']['input']>;
  /** 1 to 64 characters. */
  title: Scalars['String']['input'];
};

/** A homestay (looklook's travel service), with its nightly room inventory. */
export type Homestay = {
  __typename?: 'Homestay';
  /** Every night of [checkIn, checkOut) (at most 30) and whether a room is still free. */
  availability: Array<NightAvailability>;
  /** Image URLs. */
  banner: Array<Scalars['String']['output']>;
  business: HomestayBusiness;
  /** Applies to bookings made from now on; a booking keeps the policy it was made under. */
  cancellationPolicy: CancellationPolicy;
  city: Scalars['String']['output'];
  commentCount: Scalars['Int']['output'];
  /** Newest first. */
  comments: HomestayCommentConnection;
  /** The first banner image, or null without any. */
  cover?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  foodInfo: Scalars['String']['output'];
  /** Cents per guest per night. */
  foodPrice: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  info: Scalars['String']['output'];
  landlord: User;
  /** Cents, the crossed-out price. */
  marketPrice: Scalars['Int']['output'];
  onSale: Scalars['Boolean']['output'];
  /** Guests one stay may have at most. */
  peopleNum: Scalars['Int']['output'];
  /** Cents per night (per room, or per guest when rowType is PER_PERSON). */
  price: Scalars['Int']['output'];
  /** Average comment star (1 to 5), null without comments. */
  rating?: Maybe<Scalars['Float']['output']>;
  /** Rooms sold per night. */
  roomCount: Scalars['Int']['output'];
  rowType: HomestayRowType;
  subTitle: Scalars['String']['output'];
  title: Scalars['String']['output'];
};


/** A homestay (looklook's travel service), with its nightly room inventory. */
export type HomestayAvailabilityArgs = {
  checkIn: Scalars['Date']['input'];
  checkOut: Scalars['Date']['input'];
};


/** A homestay (looklook's travel service), with its nightly room inventory. */
export type HomestayCommentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type HomestayBusiness = {
  __typename?: 'HomestayBusiness';
  bossInfo: Scalars['String']['output'];
  cover: Scalars['String']['output'];
  headerImg: Scalars['String']['output'];
  /** Its homestays on sale, newest first. */
  homestays: HomestayConnection;
  id: Scalars['ID']['output'];
  info: Scalars['String']['output'];
  landlord: User;
  /** false when the business is banned. */
  open: Scalars['Boolean']['output'];
  star: Scalars['Float']['output'];
  tags: Array<Scalars['String']['output']>;
  title: Scalars['String']['output'];
};


export type HomestayBusinessHomestaysArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type HomestayBusinessConnection = {
  __typename?: 'HomestayBusinessConnection';
  edges: Array<HomestayBusinessEdge>;
  pageInfo: PageInfo;
};

export type HomestayBusinessEdge = {
  __typename?: 'HomestayBusinessEdge';
  cursor: Scalars['String']['output'];
  node: HomestayBusiness;
};

export type HomestayComment = {
  __typename?: 'HomestayComment';
  content: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  homestay: Homestay;
  id: Scalars['ID']['output'];
  /** The stay the review belongs to (its author reads the whole order, others its sn); null for comments written before reviews needed a stay. */
  order?: Maybe<HomestayOrder>;
  /** 1 to 5. */
  star: Scalars['Int']['output'];
  user: User;
};

export type HomestayCommentConnection = {
  __typename?: 'HomestayCommentConnection';
  edges: Array<HomestayCommentEdge>;
  pageInfo: PageInfo;
};

export type HomestayCommentEdge = {
  __typename?: 'HomestayCommentEdge';
  cursor: Scalars['String']['output'];
  node: HomestayComment;
};

export type HomestayConnection = {
  __typename?: 'HomestayConnection';
  edges: Array<HomestayEdge>;
  pageInfo: PageInfo;
};

export type HomestayEdge = {
  __typename?: 'HomestayEdge';
  cursor: Scalars['String']['output'];
  node: Homestay;
};

/** A booking, owned by the order subgraph (only its owner reads more than its sn). */
export type HomestayOrder = {
  __typename?: 'HomestayOrder';
  sn: Scalars['ID']['output'];
};

export { HomestayRowType };

/** Which homestays `homestays` lists. */
export type HomestayScope =
  /** Every homestay on sale. */
  | 'ALL'
  /** looklook's preferred list (activity preferredHomestay). */
  | 'PREFERRED';

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Reviews a homestay after a stay: the caller needs a USED order of it without a review yet
   * (one review per stay, the newest such stay; FORBIDDEN otherwise). Content 1 to 1000
   * characters, star 1 to 5.
   */
  addComment: HomestayComment;
  /** Makes the signed-in user a landlord: one business per user (a second is CONFLICT). */
  createBusiness: HomestayBusiness;
  /** Adds a homestay to one of the caller's businesses (NOT_FOUND for an unknown business, FORBIDDEN for another's). */
  createHomestay: Homestay;
  /**
   * Closes (or with closed: false reopens) the nights [from, to) of one of the caller's homestays:
   * from today on, at most 366 nights. A closed night is sold out to new bookings; bookings already
   * made keep their rooms. Returns the nights as availability shows them.
   */
  setNightsClosed: Array<NightAvailability>;
  /** Changes one of the caller's homestays (NOT_FOUND unknown, FORBIDDEN another's); orders already made keep their prices. */
  updateHomestay: Homestay;
};


export type MutationAddCommentArgs = {
  content: Scalars['String']['input'];
  homestayId: Scalars['ID']['input'];
  star: Scalars['Int']['input'];
};


export type MutationCreateBusinessArgs = {
  input: CreateBusinessInput;
};


export type MutationCreateHomestayArgs = {
  input: CreateHomestayInput;
};


export type MutationSetNightsClosedArgs = {
  closed: Scalars['Boolean']['input'];
  from: Scalars['Date']['input'];
  homestayId: Scalars['ID']['input'];
  to: Scalars['Date']['input'];
};


export type MutationUpdateHomestayArgs = {
  id: Scalars['ID']['input'];
  input: UpdateHomestayInput;
};

export type NightAvailability = {
  __typename?: 'NightAvailability';
  /** Whether a new booking can take this night (false when full or closed). */
  available: Scalars['Boolean']['output'];
  /** Closed by the landlord (setNightsClosed): sold out to new bookings. */
  closed: Scalars['Boolean']['output'];
  /** Rooms still free that night: 0 when the landlord closed it. */
  free: Scalars['Int']['output'];
  night: Scalars['Date']['output'];
  /** Rooms held by bookings that night (bookings made before a closing keep their rooms). */
  reserved: Scalars['Int']['output'];
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
  /** null when there is no such business. */
  business?: Maybe<HomestayBusiness>;
  /** Open businesses, newest first. */
  businesses: HomestayBusinessConnection;
  /** The landlords of the good businesses (at most 10). */
  goodBosses: Array<User>;
  /** The five newest homestays on sale. */
  guessYouLike: Array<Homestay>;
  /** null when there is no such homestay. */
  homestay?: Maybe<Homestay>;
  /**
   * Homestays on sale, newest first. Filters: city (exact), guests (peopleNum at least), and
   * checkIn/checkOut together (a room free every night of [checkIn, checkOut), at most 30 nights).
   */
  homestays: HomestayConnection;
  /** The signed-in user's businesses (a landlord has one; empty for a guest). */
  myBusinesses: Array<HomestayBusiness>;
};


export type QueryBusinessArgs = {
  id: Scalars['ID']['input'];
};


export type QueryBusinessesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryHomestayArgs = {
  id: Scalars['ID']['input'];
};


export type QueryHomestaysArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  checkIn?: InputMaybe<Scalars['Date']['input']>;
  checkOut?: InputMaybe<Scalars['Date']['input']>;
  city?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  guests?: InputMaybe<Scalars['Int']['input']>;
  scope?: InputMaybe<HomestayScope>;
};

/**
 * Changes to one of the caller's homestays: fields left out (or null) keep their value; the rules
 * are those of CreateHomestayInput. Prices and the policy apply to bookings made from then on.
 */
export type UpdateHomestayInput = {
  cancellationPolicy?: InputMaybe<CancellationPolicy>;
  city?: InputMaybe<Scalars['String']['input']>;
  foodInfo?: InputMaybe<Scalars['String']['input']>;
  foodPrice?: InputMaybe<Scalars['Int']['input']>;
  info?: InputMaybe<Scalars['String']['input']>;
  onSale?: InputMaybe<Scalars['Boolean']['input']>;
  peopleNum?: InputMaybe<Scalars['Int']['input']>;
  price?: InputMaybe<Scalars['Int']['input']>;
  /** Below the rooms already booked on a night from today on: CONFLICT naming that night, nothing changed. */
  roomCount?: InputMaybe<Scalars['Int']['input']>;
  subTitle?: InputMaybe<Scalars['String']['input']>;
  title?: InputMaybe<Scalars['String']['input']>;
};

/** A landlord or guest, owned by the user subgraph. */
export type User = {
  __typename?: 'User';
  id: Scalars['ID']['output'];
  nickname: Scalars['String']['output'];
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
};

/** Mapping of federation reference types */
export type FederationReferenceTypes = {
  Homestay:
    ( { __typename: 'Homestay' }
    & GraphQLRecursivePick<FederationTypes['Homestay'], {"id":true}> );
  HomestayBusiness:
    ( { __typename: 'HomestayBusiness' }
    & GraphQLRecursivePick<FederationTypes['HomestayBusiness'], {"id":true}> );
};



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  CancellationPolicy: CancellationPolicy;
  CreateBusinessInput: CreateBusinessInput;
  CreateHomestayInput: CreateHomestayInput;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Date: ResolverTypeWrapper<Scalars['Date']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Homestay: ResolverTypeWrapper<HomestayEntity>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  HomestayBusiness: ResolverTypeWrapper<HomestayBusinessEntity>;
  HomestayBusinessConnection: ResolverTypeWrapper<Omit<HomestayBusinessConnection, 'edges'> & { edges: Array<ResolversTypes['HomestayBusinessEdge']> }>;
  HomestayBusinessEdge: ResolverTypeWrapper<Omit<HomestayBusinessEdge, 'node'> & { node: ResolversTypes['HomestayBusiness'] }>;
  HomestayComment: ResolverTypeWrapper<HomestayCommentEntity>;
  HomestayCommentConnection: ResolverTypeWrapper<Omit<HomestayCommentConnection, 'edges'> & { edges: Array<ResolversTypes['HomestayCommentEdge']> }>;
  HomestayCommentEdge: ResolverTypeWrapper<Omit<HomestayCommentEdge, 'node'> & { node: ResolversTypes['HomestayComment'] }>;
  HomestayConnection: ResolverTypeWrapper<Omit<HomestayConnection, 'edges'> & { edges: Array<ResolversTypes['HomestayEdge']> }>;
  HomestayEdge: ResolverTypeWrapper<Omit<HomestayEdge, 'node'> & { node: ResolversTypes['Homestay'] }>;
  HomestayOrder: ResolverTypeWrapper<HomestayOrder>;
  HomestayRowType: HomestayRowType;
  HomestayScope: HomestayScope;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  NightAvailability: ResolverTypeWrapper<NightAvailability>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  UpdateHomestayInput: UpdateHomestayInput;
  User: ResolverTypeWrapper<UserRefEntity>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  CreateBusinessInput: CreateBusinessInput;
  CreateHomestayInput: CreateHomestayInput;
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Date: Scalars['Date']['output'];
  DateTime: Scalars['DateTime']['output'];
  Homestay: HomestayEntity;
  Float: Scalars['Float']['output'];
  HomestayBusiness: HomestayBusinessEntity;
  HomestayBusinessConnection: Omit<HomestayBusinessConnection, 'edges'> & { edges: Array<ResolversParentTypes['HomestayBusinessEdge']> };
  HomestayBusinessEdge: Omit<HomestayBusinessEdge, 'node'> & { node: ResolversParentTypes['HomestayBusiness'] };
  HomestayComment: HomestayCommentEntity;
  HomestayCommentConnection: Omit<HomestayCommentConnection, 'edges'> & { edges: Array<ResolversParentTypes['HomestayCommentEdge']> };
  HomestayCommentEdge: Omit<HomestayCommentEdge, 'node'> & { node: ResolversParentTypes['HomestayComment'] };
  HomestayConnection: Omit<HomestayConnection, 'edges'> & { edges: Array<ResolversParentTypes['HomestayEdge']> };
  HomestayEdge: Omit<HomestayEdge, 'node'> & { node: ResolversParentTypes['Homestay'] };
  HomestayOrder: HomestayOrder;
  Mutation: Record<PropertyKey, never>;
  NightAvailability: NightAvailability;
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  UpdateHomestayInput: UpdateHomestayInput;
  User: UserRefEntity;
  String: Scalars['String']['output'];
  Boolean: Scalars['Boolean']['output'];
};

export type LinkDirectiveArgs = {
  as?: Maybe<Scalars['String']['input']>;
  import?: Maybe<Array<Maybe<Scalars['String']['input']>>>;
  url: Scalars['String']['input'];
};

export type LinkDirectiveResolver<Result, Parent, ContextType = HomestayContext, Args = LinkDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ShareableDirectiveArgs = { };

export type ShareableDirectiveResolver<Result, Parent, ContextType = HomestayContext, Args = ShareableDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export interface DateScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['Date'], any> {
  name: 'Date';
}

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type HomestayResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['Homestay'] = ResolversParentTypes['Homestay'], FederationReferenceType extends FederationReferenceTypes['Homestay'] = FederationReferenceTypes['Homestay']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Homestay']> | FederationReferenceType, FederationReferenceType, ContextType>;
  availability?: Resolver<Array<ResolversTypes['NightAvailability']>, ParentType, ContextType, RequireFields<HomestayAvailabilityArgs, 'checkIn' | 'checkOut'>>;
  banner?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  business?: Resolver<ResolversTypes['HomestayBusiness'], ParentType, ContextType>;
  cancellationPolicy?: Resolver<ResolversTypes['CancellationPolicy'], ParentType, ContextType>;
  city?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  commentCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  comments?: Resolver<ResolversTypes['HomestayCommentConnection'], ParentType, ContextType, Partial<HomestayCommentsArgs>>;
  cover?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  foodInfo?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  foodPrice?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  info?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  landlord?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  marketPrice?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  onSale?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  peopleNum?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  price?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  rating?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  roomCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  rowType?: Resolver<ResolversTypes['HomestayRowType'], ParentType, ContextType>;
  subTitle?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type HomestayBusinessResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['HomestayBusiness'] = ResolversParentTypes['HomestayBusiness'], FederationReferenceType extends FederationReferenceTypes['HomestayBusiness'] = FederationReferenceTypes['HomestayBusiness']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['HomestayBusiness']> | FederationReferenceType, FederationReferenceType, ContextType>;
  bossInfo?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  cover?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  headerImg?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  homestays?: Resolver<ResolversTypes['HomestayConnection'], ParentType, ContextType, Partial<HomestayBusinessHomestaysArgs>>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  info?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  landlord?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  open?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  star?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  tags?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type HomestayBusinessConnectionResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['HomestayBusinessConnection'] = ResolversParentTypes['HomestayBusinessConnection']> = {
  edges?: Resolver<Array<ResolversTypes['HomestayBusinessEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type HomestayBusinessEdgeResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['HomestayBusinessEdge'] = ResolversParentTypes['HomestayBusinessEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['HomestayBusiness'], ParentType, ContextType>;
};

export type HomestayCommentResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['HomestayComment'] = ResolversParentTypes['HomestayComment']> = {
  content?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  homestay?: Resolver<ResolversTypes['Homestay'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  order?: Resolver<Maybe<ResolversTypes['HomestayOrder']>, ParentType, ContextType>;
  star?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type HomestayCommentConnectionResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['HomestayCommentConnection'] = ResolversParentTypes['HomestayCommentConnection']> = {
  edges?: Resolver<Array<ResolversTypes['HomestayCommentEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type HomestayCommentEdgeResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['HomestayCommentEdge'] = ResolversParentTypes['HomestayCommentEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['HomestayComment'], ParentType, ContextType>;
};

export type HomestayConnectionResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['HomestayConnection'] = ResolversParentTypes['HomestayConnection']> = {
  edges?: Resolver<Array<ResolversTypes['HomestayEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type HomestayEdgeResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['HomestayEdge'] = ResolversParentTypes['HomestayEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Homestay'], ParentType, ContextType>;
};

export type HomestayOrderResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['HomestayOrder'] = ResolversParentTypes['HomestayOrder']> = {
  sn?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type HomestayRowTypeResolvers = EnumResolverSignature<{ PER_PERSON?: any, PER_ROOM?: any }, ResolversTypes['HomestayRowType']>;

export type MutationResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  addComment?: Resolver<ResolversTypes['HomestayComment'], ParentType, ContextType, RequireFields<MutationAddCommentArgs, 'content' | 'homestayId' | 'star'>>;
  createBusiness?: Resolver<ResolversTypes['HomestayBusiness'], ParentType, ContextType, RequireFields<MutationCreateBusinessArgs, 'input'>>;
  createHomestay?: Resolver<ResolversTypes['Homestay'], ParentType, ContextType, RequireFields<MutationCreateHomestayArgs, 'input'>>;
  setNightsClosed?: Resolver<Array<ResolversTypes['NightAvailability']>, ParentType, ContextType, RequireFields<MutationSetNightsClosedArgs, 'closed' | 'from' | 'homestayId' | 'to'>>;
  updateHomestay?: Resolver<ResolversTypes['Homestay'], ParentType, ContextType, RequireFields<MutationUpdateHomestayArgs, 'id' | 'input'>>;
};

export type NightAvailabilityResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['NightAvailability'] = ResolversParentTypes['NightAvailability']> = {
  available?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  closed?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  free?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  night?: Resolver<ResolversTypes['Date'], ParentType, ContextType>;
  reserved?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  business?: Resolver<Maybe<ResolversTypes['HomestayBusiness']>, ParentType, ContextType, RequireFields<QueryBusinessArgs, 'id'>>;
  businesses?: Resolver<ResolversTypes['HomestayBusinessConnection'], ParentType, ContextType, Partial<QueryBusinessesArgs>>;
  goodBosses?: Resolver<Array<ResolversTypes['User']>, ParentType, ContextType>;
  guessYouLike?: Resolver<Array<ResolversTypes['Homestay']>, ParentType, ContextType>;
  homestay?: Resolver<Maybe<ResolversTypes['Homestay']>, ParentType, ContextType, RequireFields<QueryHomestayArgs, 'id'>>;
  homestays?: Resolver<ResolversTypes['HomestayConnection'], ParentType, ContextType, RequireFields<QueryHomestaysArgs, 'scope'>>;
  myBusinesses?: Resolver<Array<ResolversTypes['HomestayBusiness']>, ParentType, ContextType>;
};

export type UserResolvers<ContextType = HomestayContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  nickname?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type Resolvers<ContextType = HomestayContext> = {
  Date?: GraphQLScalarType;
  DateTime?: GraphQLScalarType;
  Homestay?: HomestayResolvers<ContextType>;
  HomestayBusiness?: HomestayBusinessResolvers<ContextType>;
  HomestayBusinessConnection?: HomestayBusinessConnectionResolvers<ContextType>;
  HomestayBusinessEdge?: HomestayBusinessEdgeResolvers<ContextType>;
  HomestayComment?: HomestayCommentResolvers<ContextType>;
  HomestayCommentConnection?: HomestayCommentConnectionResolvers<ContextType>;
  HomestayCommentEdge?: HomestayCommentEdgeResolvers<ContextType>;
  HomestayConnection?: HomestayConnectionResolvers<ContextType>;
  HomestayEdge?: HomestayEdgeResolvers<ContextType>;
  HomestayOrder?: HomestayOrderResolvers<ContextType>;
  HomestayRowType?: HomestayRowTypeResolvers;
  Mutation?: MutationResolvers<ContextType>;
  NightAvailability?: NightAvailabilityResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = HomestayContext> = {
  link?: LinkDirectiveResolver<any, any, ContextType>;
  shareable?: ShareableDirectiveResolver<any, any, ContextType>;
};
