package templates

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// store is the package's Store facade: its type, constructor, EnsureIndexes,
// WithTx and the unexported bound.
func store(pkg *model.Package, plans []*typePlan) jen.Code {
	return jen.Add(storeType(pkg, plans)).Line().
		Add(storeCtor(pkg, plans)).Line().
		Add(storeEnsureIndexes(plans)).Line().
		Add(storeWithTx()).Line().
		Add(storeBound(plans))
}

// storeType declares the Store:
//
//	// Store holds a repository for every collection type of package shop. ...
//	type Store struct {
//		Account *AccountRepo // the "accounts" collection
//
//		db *mongo.Database
//		tx *runtime.Tx // nil, or the transaction every repository joins
//	}
func storeType(pkg *model.Package, plans []*typePlan) jen.Code {
	members := make([]jen.Code, 0, len(plans)+3)
	for _, p := range plans {
		members = append(members, jen.Id(p.storeName).Op("*").Id(p.repoType).Commentf("the %q collection", p.t.Collection))
	}
	members = append(members,
		jen.Line(),
		jen.Id("db").Op("*").Qual(mongoPath, "Database"),
		jen.Id("tx").Op("*").Qual(runtimePath, "Tx").Comment("nil, or the transaction every repository joins"),
	)
	return doc("Store holds a repository for every collection type of package %s, all in one database, and runs functions in transactions over them with WithTx. Create it with NewStore.", pkg.Name).
		Type().Id("Store").Struct(members...).Line()
}

// storeCtor is the Store's constructor:
//
//	// NewStore returns the store of package shop's collections in db.
//	func NewStore(db *mongo.Database) *Store {
//		return &Store{
//			Account: NewAccountRepo(db),
//			db:      db,
//		}
//	}
func storeCtor(pkg *model.Package, plans []*typePlan) jen.Code {
	items := make([]jen.Code, 0, len(plans)+1)
	for _, p := range plans {
		items = append(items, jen.Id(p.storeName).Op(":").Id(p.repoCtor).Call(jen.Id("db")))
	}
	items = append(items, jen.Id("db").Op(":").Id("db"))
	return doc("NewStore returns the store of package %s's collections in db.", pkg.Name).
		Func().Id("NewStore").Params(jen.Id("db").Op("*").Qual(mongoPath, "Database")).Op("*").Id("Store").Block(
		jen.Return(jen.Op("&").Id("Store").Add(packed("{", "}", items))),
	).Line()
}

// storeEnsureIndexes creates every collection's indexes:
//
//	func (s *Store) EnsureIndexes(ctx context.Context) error {
//		return runtime.EnsureIndexes(
//			ctx, s.Account, s.Transfer,
//		)
//	}
//
// A store of one collection calls its repository's method. The lists of
// every collection here and in bound are packed several to a line: each
// line of them is a line of every type's budget (issue 14).
func storeEnsureIndexes(plans []*typePlan) jen.Code {
	body := jen.Return(jen.Id("s").Dot(plans[0].storeName).Dot("EnsureIndexes").Call(jen.Id("ctx")))
	if len(plans) > 1 {
		items := []jen.Code{jen.Id("ctx")}
		for _, p := range plans {
			items = append(items, jen.Id("s").Dot(p.storeName))
		}
		body = jen.Return(rt("EnsureIndexes").Add(packed("(", ")", items)))
	}
	what := "the indexes of every collection, one collection after another, stopping at the first error"
	if len(plans) == 1 {
		what = fmt.Sprintf("the indexes of the %q collection", plans[0].t.Collection)
	}
	return doc("EnsureIndexes creates %s. It is safe to call at every start.", what).
		Func().Params(jen.Id("s").Op("*").Id("Store")).Id("EnsureIndexes").Params(ctxParam()).Error().Block(body).Line()
}

// storeWithTx runs a function in a transaction with a bound Store:
//
//	func (s *Store) WithTx(ctx context.Context, fn func(ctx context.Context, tx *Store) error, opts ...runtime.TxOption) error {
//		return runtime.WithTx(s.tx.Bind(ctx), s.db.Client(), func(ctx context.Context) error {
//			return fn(ctx, s.bound(runtime.TxFrom(ctx)))
//		}, opts...)
//	}
func storeWithTx() jen.Code {
	return doc("WithTx runs fn in a transaction with runtime.WithTx, which retries it as the MongoDB transaction specification says: fn may run more than once, so it must not have effects outside the database (register them with runtime.OnCommit instead). The tx fn receives is this store bound to the transaction: its repositories run in it whatever context they are called with. Called on a bound store, or with a ctx already in a transaction, WithTx joins that transaction unless opts choose another runtime.Propagation.").
		Func().Params(jen.Id("s").Op("*").Id("Store")).Id("WithTx").Params(
		ctxParam(),
		jen.Id("fn").Func().Params(ctxParam(), jen.Id("tx").Op("*").Id("Store")).Error(),
		jen.Id("opts").Op("...").Qual(runtimePath, "TxOption"),
	).Error().Block(
		jen.Return(rt("WithTx").Call(
			jen.Id("s").Dot("tx").Dot("Bind").Call(jen.Id("ctx")),
			jen.Id("s").Dot("db").Dot("Client").Call(),
			jen.Func().Params(ctxParam()).Error().Block(
				jen.Return(jen.Id("fn").Call(jen.Id("ctx"), jen.Id("s").Dot("bound").Call(rt("TxFrom").Call(jen.Id("ctx"))))),
			),
			jen.Id("opts").Op("..."),
		)),
	).Line()
}

// storeBound copies a Store with every repository bound to a transaction,
// the store and its repositories in one allocation, since it runs at every
// attempt of every transaction:
//
//	func (s *Store) bound(tx *runtime.Tx) *Store {
//		b := &struct {
//			Store   Store
//			Account AccountRepo
//		}{
//			Account: AccountRepo{s.Account.core.Bound(tx)},
//		}
//		b.Store = Store{
//			Account: &b.Account, db: s.db, tx: tx,
//		}
//		return &b.Store
//	}
func storeBound(plans []*typePlan) jen.Code {
	fields := make([]jen.Code, 0, len(plans)+1)
	repos := make([]jen.Code, 0, len(plans))
	items := make([]jen.Code, 0, len(plans)+2)
	// No repository field can be named Store: that is the generated type's
	// name, so the package can have no collection type of that name.
	fields = append(fields, jen.Id("Store").Id("Store"))
	for _, p := range plans {
		fields = append(fields, jen.Id(p.storeName).Id(p.repoType))
		repos = append(repos, jen.Id(p.storeName).Op(":").Id(p.repoType).Values(
			jen.Id("s").Dot(p.storeName).Dot("core").Dot("Bound").Call(jen.Id("tx"))))
		items = append(items, jen.Id(p.storeName).Op(":").Op("&").Id("b").Dot(p.storeName))
	}
	items = append(items,
		jen.Id("db").Op(":").Id("s").Dot("db"),
		jen.Id("tx").Op(":").Id("tx"),
	)
	return doc("bound returns a copy of s whose repositories run in tx. The copy and its repositories are one allocation: bound runs at every attempt of every transaction.").
		Func().Params(jen.Id("s").Op("*").Id("Store")).Id("bound").Params(jen.Id("tx").Op("*").Qual(runtimePath, "Tx")).Op("*").Id("Store").Block(
		jen.Id("b").Op(":=").Op("&").Struct(fields...).Add(packed("{", "}", repos)),
		jen.Id("b").Dot("Store").Op("=").Id("Store").Add(packed("{", "}", items)),
		jen.Return(jen.Op("&").Id("b").Dot("Store")),
	).Line()
}

// packed is the list items between open and close, as many to a line as fit
// in about 90 columns, each line ending with a comma:
//
//	(
//		ctx, s.Account, s.Transfer,
//	)
func packed(open, close string, items []jen.Code) *jen.Statement {
	const width = 90
	var lines []jen.Code
	var line []jen.Code
	n := 0
	for _, it := range items {
		w := len(fmt.Sprintf("%#v", it)) + 2
		if len(line) > 0 && n+w > width {
			lines = append(lines, jen.Custom(jen.Options{Separator: ","}, line...))
			line, n = nil, 0
		}
		line = append(line, it)
		n += w
	}
	if len(line) > 0 {
		lines = append(lines, jen.Custom(jen.Options{Separator: ","}, line...))
	}
	return jen.Custom(jen.Options{Open: open, Close: close, Separator: ",", Multi: true}, lines...)
}
