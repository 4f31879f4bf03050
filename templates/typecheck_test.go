package templates

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
	"golang.org/x/tools/go/packages"
)

// shopSource declares the types accountModel describes, as a user would.
const shopSource = `package shop

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Account is a customer's balance.
//
//mongotxgen:collection accounts
//mongotxgen:index Owner,-Balance sparse name=by_owner_balance
//mongotxgen:index CreatedAt ttl=720h
type Account struct {
	ID        bson.ObjectID ` + "`bson:\"_id,omitempty\"`" + `
	Owner     string        ` + "`bson:\"owner\" mongotxgen:\"unique\"`" + `
	Balance   int64         ` + "`bson:\"balance\"`" + `
	Address   Address       ` + "`bson:\"address\"`" + `
	Tags      []string      ` + "`bson:\"tags,omitempty\"`" + `
	CreatedAt time.Time     ` + "`bson:\"created_at\" mongotxgen:\"created\"`" + `
	UpdatedAt time.Time     ` + "`bson:\"updated_at\" mongotxgen:\"updated\"`" + `
	Version   int64         ` + "`bson:\"version\" mongotxgen:\"version\"`" + `
}

// Address is where an account holder lives.
type Address struct {
	City string ` + "`bson:\"city\" mongotxgen:\"index\"`" + `
	Zip  string ` + "`bson:\"zip\"`" + `
}

// Event is something that happened.
//
//mongotxgen:collection events
type Event struct {
	Key    string    ` + "`bson:\"_id\"`" + `
	At     time.Time ` + "`bson:\"at\"`" + `
	Origin *Origin   ` + "`bson:\"origin\"`" + `
}

// Origin is where an event came from.
type Origin struct {
	Line int ` + "`bson:\"line\"`" + `
}
`

// goodUse exercises the generated API the way the design shows it.
const goodUse = `package shop

import (
	"context"
	"errors"

	"github.com/mongotxgen/mongotxgen/runtime"
)

func transfer(ctx context.Context, s *Store, from, to string, amount int64) error {
	return s.WithTx(ctx, func(ctx context.Context, tx *Store) error {
		a, err := tx.Account.GetByOwner(ctx, from)
		if err != nil {
			return err
		}
		if err := tx.Account.UpdateByID(ctx, a.ID, AccountFields.Balance.Inc(-amount)); err != nil {
			return err
		}
		b, err := tx.Account.FindOne(ctx, runtime.Where(AccountFields.Owner.Eq(to), AccountFields.Address.Exists(true)))
		if err != nil {
			return err
		}
		b.Balance += amount
		if err := tx.Account.Replace(ctx, b); errors.Is(err, runtime.ErrVersionConflict) {
			return err
		}
		for e, err := range tx.Event.Iter(ctx, EventFields.Origin.Line.Gt(3), runtime.Sort(EventFields.At.Desc()), runtime.Limit(10)) {
			if err != nil {
				return err
			}
			_ = e.Origin
		}
		if _, err := tx.Account.FindByAddressCity(ctx, "Paris", runtime.Sort(AccountFields.Balance.Asc())); err != nil {
			return err
		}
		_, err = tx.Account.UpdateMany(ctx, nil, runtime.Combine(AccountFields.Address.City.Set("Paris"), AccountFields.Tags.Unset()))
		return err
	}, runtime.WithMaxAttempts(3))
}

var _ = transfer
var _ = EventFields.Origin.Set(nil)
`

// TestGeneratedCodeCompilesAndVets renders accountModel, puts it next to
// the types it describes in a temporary module, and requires the package,
// with a realistic use of its API, to type-check and pass go vet.
func TestGeneratedCodeCompilesAndVets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a temporary module")
	}
	dir := shopModule(t, map[string]string{"use.go": goodUse})
	if errs := typeErrors(t, dir); len(errs) > 0 {
		t.Fatalf("generated package does not type-check:\n%s", strings.Join(errs, "\n"))
	}
	vet := exec.Command("go", "vet", "./...")
	vet.Dir = dir
	vet.Env = moduleEnv()
	if out, err := vet.CombinedOutput(); err != nil {
		t.Fatalf("go vet: %v\n%s", err, out)
	}
}

// TestGeneratedAPIRejectsBadUse proves that the typed fields and methods turn
// a misspelt field or a value of the wrong type into a compile error.
func TestGeneratedAPIRejectsBadUse(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a temporary module")
	}
	// Each line of badUse after the header is one mistake; want holds, per
	// line, a fragment of the error go/types must report there.
	const badUse = `package shop

import "context"

var (
	_ = AccountFields.Owner.Eq(42)
	_ = AccountFields.Nope
	_ = AccountFields.Address.City.Set(7)
	_ = AccountFields.Balance.Inc("ten")
	_ = AccountFields.Address.Eq("Paris")
	_ = AccountFields.Address.Street
	_ = EventFields.Origin.Line.In(1, "two")
	_ = AccountFields.CreatedAt.Gt(3)
)

func misuse(ctx context.Context, s *Store) {
	_, _ = s.Account.Get(ctx, "64b0f0c2a1b2c3d4e5f60718")
	_, _ = s.Event.Get(ctx, 42)
	_, _ = s.Account.GetByOwner(ctx, 7)
	_, _ = s.Account.FindByAddressCity(ctx, 1)
	_, _ = s.Account.GetByBalance(ctx, 1)
	_ = s.Account.Insert(ctx, &Event{})
}
`
	want := map[int]string{
		6:  "cannot use 42 (untyped int constant) as string value in argument to AccountFields.Owner.Eq",
		7:  "AccountFields.Nope undefined",
		8:  "cannot use 7 (untyped int constant) as string value in argument to AccountFields.Address.City.Set",
		9:  `cannot use "ten" (untyped string constant) as int64 value in argument to AccountFields.Balance.Inc`,
		10: `cannot use "Paris" (untyped string constant) as Address value in argument to AccountFields.Address.Eq`,
		11: "AccountFields.Address.Street undefined",
		12: `cannot use "two" (untyped string constant) as int value in argument to EventFields.Origin.Line.In`,
		// go/types spells an imported type "time".Time here.
		13: `cannot use 3 (untyped int constant) as "time".Time value in argument to AccountFields.CreatedAt.Gt`,
		17: `cannot use "64b0f0c2a1b2c3d4e5f60718" (untyped string constant) as bson.ObjectID value in argument to s.Account.Get`,
		18: "cannot use 42 (untyped int constant) as string value in argument to s.Event.Get",
		19: "cannot use 7 (untyped int constant) as string value in argument to s.Account.GetByOwner",
		20: "cannot use 1 (untyped int constant) as string value in argument to s.Account.FindByAddressCity",
		21: "s.Account.GetByBalance undefined",
		22: "cannot use &Event{} (value of type *Event) as *Account value in argument to s.Account.Insert",
	}
	dir := shopModule(t, map[string]string{"bad.go": badUse})
	got := make(map[int][]string)
	for _, e := range typeErrors(t, dir) {
		// e is "file:line:col: msg"; only bad.go may have errors.
		file, rest, _ := strings.Cut(e, ":")
		if filepath.Base(file) != "bad.go" {
			t.Errorf("error outside bad.go: %s", e)
			continue
		}
		var line int
		lineText, msg, _ := strings.Cut(rest, ":")
		for _, c := range lineText {
			line = line*10 + int(c-'0')
		}
		_, msg, _ = strings.Cut(msg, ": ")
		got[line] = append(got[line], msg)
	}
	for line, frag := range want {
		msgs := got[line]
		found := false
		for _, m := range msgs {
			if strings.Contains(m, frag) {
				found = true
			}
		}
		if !found {
			t.Errorf("bad.go:%d: want an error containing %q, got %q", line, frag, msgs)
		}
		delete(got, line)
	}
	for line, msgs := range got {
		t.Errorf("bad.go:%d: unexpected errors %q", line, msgs)
	}
}

// shopModule writes a temporary module holding package shop: its types, the
// code Render generates for accountModel, and extra files. It requires this
// repository's module through a replace directive, so the generated code is
// checked against the runtime as it is now.
func shopModule(t *testing.T, extra map[string]string) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	src, err := Render(accountModel())
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":         moduleFile(t, root),
		"shop.go":        shopSource,
		"mongotx_gen.go": string(src),
	}
	for name, text := range extra {
		files[name] = text
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = string(sum)
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// moduleFile is the go.mod of the temporary module: this repository's
// requirements, so that the go.sum copied along covers them, plus the
// repository itself by replacement.
func moduleFile(t *testing.T, root string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("module example.com/shop\n\ngo " + mf.Go.Version + "\n\nrequire (\n")
	b.WriteString("\t" + mf.Module.Mod.Path + " v0.0.0\n")
	for _, r := range mf.Require {
		b.WriteString("\t" + r.Mod.Path + " " + r.Mod.Version + "\n")
	}
	b.WriteString(")\n\nreplace " + mf.Module.Mod.Path + " => " + root + "\n")
	return b.String()
}

// moduleEnv keeps builds of the temporary module offline and out of any
// enclosing workspace.
func moduleEnv() []string {
	return append(os.Environ(), "GOWORK=off", "GOPROXY=off", "GOFLAGS=-mod=mod")
}

// typeErrors loads the module's package and returns its errors as
// "file:line:col: message".
func typeErrors(t *testing.T, dir string) []string {
	t.Helper()
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedImports | packages.NeedDeps,
		Dir:  dir,
		Env:  moduleEnv(),
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		t.Fatalf("loading the temporary module: %v", err)
	}
	var errs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
	})
	return errs
}
