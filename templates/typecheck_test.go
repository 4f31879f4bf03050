package templates

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

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

// report reads through the generic functions, which take the repository.
func report(ctx context.Context, s *Store) ([]string, []Account, error) {
	owners, err := runtime.Distinct(ctx, s.Account, AccountFields.Owner, nil)
	if err != nil {
		return nil, nil, err
	}
	rich, err := runtime.Aggregate[Account](ctx, s.Account, runtime.Match(AccountFields.Balance.Gt(100)))
	return owners, rich, err
}

var _, _ = transfer, report
var _ = EventFields.Origin.Set(nil)
`

// TestGeneratedCodeCompilesAndVets renders accountModel, puts it next to
// the types it describes in a temporary module, and requires the package,
// with a realistic use of its API, to compile and pass go vet.
func TestGeneratedCodeCompilesAndVets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a temporary module")
	}
	dir := shopModule(t, map[string]string{"use.go": goodUse})
	if out, err := goCmd(dir, "vet", "./...").CombinedOutput(); err != nil {
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

import (
	"context"

	"github.com/mongotxgen/mongotxgen/runtime"
)

var (
	_ = AccountFields.Owner.Eq(42)
	_ = AccountFields.Nope
	_ = AccountFields.Address.City.Set(7)
	_ = AccountFields.Balance.Inc("ten")
	_ = AccountFields.Address.Eq("Paris")
	_ = AccountFields.Address.Street
	_ = EventFields.Origin.Line.In(1, "two")
	_ = AccountFields.CreatedAt.Gt(3)
	_ = AccountFields.Owner.Inc("x")
	_ = AccountFields.Tags.Contains(3)
	_ = AccountFields.Balance.HasPrefix("x")
)

func misuse(ctx context.Context, s *Store) {
	_, _ = s.Account.Get(ctx, "64b0f0c2a1b2c3d4e5f60718")
	_, _ = s.Event.Get(ctx, 42)
	_, _ = s.Account.GetByOwner(ctx, 7)
	_, _ = s.Account.FindByAddressCity(ctx, 1)
	_, _ = s.Account.GetByBalance(ctx, 1)
	_ = s.Account.Insert(ctx, &Event{})
	_ = s.Account.Restore(ctx, s.Account.Get)
	_ = s.Account.HardDelete(ctx, "x")
	_, _ = runtime.Distinct(ctx, s.Account.Collection(), AccountFields.Owner, nil)
}
`
	want := map[int]string{
		10: "cannot use 42 (untyped int constant) as string value in argument to AccountFields.Owner.Eq",
		11: "AccountFields.Nope undefined",
		12: "cannot use 7 (untyped int constant) as string value in argument to AccountFields.Address.City.Set",
		13: `cannot use "ten" (untyped string constant) as int64 value in argument to AccountFields.Balance.Inc`,
		14: `cannot use "Paris" (untyped string constant) as Address value in argument to AccountFields.Address.Eq`,
		15: "AccountFields.Address.Street undefined",
		16: `cannot use "two" (untyped string constant) as int value in argument to EventFields.Origin.Line.In`,
		// The type checker spells the imported type "time".Time here.
		17: `cannot use 3 (untyped int constant) as "time".Time value in argument to AccountFields.CreatedAt.Gt`,
		// Field kinds: Inc only on numbers, HasPrefix only on strings,
		// Contains takes an element of the slice.
		18: `AccountFields.Owner.Inc undefined (type "github.com/mongotxgen/mongotxgen/runtime".StringField[string] has no field or method Inc)`,
		19: "cannot use 3 (untyped int constant) as string value in argument to AccountFields.Tags.Contains",
		20: `AccountFields.Balance.HasPrefix undefined (type "github.com/mongotxgen/mongotxgen/runtime".NumberField[int64] has no field or method HasPrefix)`,
		24: `cannot use "64b0f0c2a1b2c3d4e5f60718" (untyped string constant) as bson.ObjectID value in argument to s.Account.Get`,
		25: "cannot use 42 (untyped int constant) as string value in argument to s.Event.Get",
		26: "cannot use 7 (untyped int constant) as string value in argument to s.Account.GetByOwner",
		27: "cannot use 1 (untyped int constant) as string value in argument to s.Account.FindByAddressCity",
		28: "s.Account.GetByBalance undefined",
		29: "cannot use &Event{} (value of type *Event) as *Account value in argument to s.Account.Insert",
		// Restore and HardDelete exist only for soft-deleted types.
		30: "s.Account.Restore undefined",
		31: "s.Account.HardDelete undefined",
		// The generic functions take a repository, whose Core they use;
		// a bare collection is not one.
		32: `*mongo.Collection does not implement "github.com/mongotxgen/mongotxgen/runtime".Corer (missing method Core)`,
	}
	dir := shopModule(t, map[string]string{"bad.go": badUse})
	// -gcflags=-e: report every error, not the first ten.
	out, err := goCmd(dir, "build", "-gcflags=-e", "./...").CombinedOutput()
	if err == nil {
		t.Fatal("the package with bad uses compiled")
	}
	got := make(map[int][]string)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasPrefix(line, "# ") {
			continue // the package header
		}
		// "./bad.go:6:29: msg"; only bad.go may have errors.
		m := compileError.FindStringSubmatch(line)
		if m == nil || m[1] != "bad.go" {
			t.Errorf("unexpected compiler output: %s", line)
			continue
		}
		n, _ := strconv.Atoi(m[2])
		got[n] = append(got[n], m[3])
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

// shopModule writes a temporary module holding package shop: the types of
// the fixture package internal/shop, the code Render generates for
// accountModel, and extra files. It requires this
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
	shop, err := os.ReadFile(fixtureSource)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":         moduleFile(t, root),
		"shop.go":        string(shop),
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

// goCmd is the go command with args, run in the temporary module dir,
// offline and out of any enclosing workspace.
func goCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOPROXY=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	return cmd
}

// compileError is a line of the compiler's output: file, line, message.
var compileError = regexp.MustCompile(`^(?:\./)?([^:]+):(\d+):\d+: (.*)$`)
