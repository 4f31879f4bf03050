package benchmarks

import (
	"context"
	"testing"

	"github.com/mongotxgen/mongotxgen/internal/benchmarks/bank"
)

// The repository against the hand-written driver code, operation by
// operation. Each benchmark runs its Generated and Driver sub-benchmarks one
// after the other on the same server, so -count N alternates them:
//
//	go test ./internal/benchmarks -run '^$' -bench 'Insert|Get|Find|UpdateByID|Count' -benchmem -count 8

func BenchmarkInsert(b *testing.B) {
	client := connect(b, server(b), nil)
	ctx := context.Background()
	// A database per run: both insert into a collection of the same size.
	b.Run("Generated", func(b *testing.B) {
		repo := bank.NewAccountRepo(freshDB(b, client))
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := repo.Insert(ctx, newAccount(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Driver", func(b *testing.B) {
		d := newDriverAccounts(freshDB(b, client))
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := d.insert(ctx, newAccount(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGet(b *testing.B) {
	client := connect(b, server(b), nil)
	db := freshDB(b, client)
	ids := seed(b, db)
	ctx := context.Background()
	b.Run("Generated", func(b *testing.B) {
		repo := bank.NewAccountRepo(db)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := repo.Get(ctx, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Driver", func(b *testing.B) {
		d := newDriverAccounts(db)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := d.get(ctx, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFind reads the 100 accounts of a branch, in one batch.
func BenchmarkFind(b *testing.B) {
	client := connect(b, server(b), nil)
	db := freshDB(b, client)
	seed(b, db)
	ctx := context.Background()
	b.Run("Generated", func(b *testing.B) {
		repo := bank.NewAccountRepo(db)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			as, err := repo.Find(ctx, bank.AccountFields.Branch.Eq(branchName(i)))
			if err != nil || len(as) != perBranch {
				b.Fatalf("got %d accounts, error %v; want %d", len(as), err, perBranch)
			}
		}
	})
	b.Run("Driver", func(b *testing.B) {
		d := newDriverAccounts(db)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			as, err := d.find(ctx, branchName(i))
			if err != nil || len(as) != perBranch {
				b.Fatalf("got %d accounts, error %v; want %d", len(as), err, perBranch)
			}
		}
	})
}

func BenchmarkUpdateByID(b *testing.B) {
	client := connect(b, server(b), nil)
	db := freshDB(b, client)
	ids := seed(b, db)
	ctx := context.Background()
	b.Run("Generated", func(b *testing.B) {
		repo := bank.NewAccountRepo(db)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := repo.UpdateByID(ctx, ids[i%len(ids)], bank.AccountFields.Balance.Inc(1)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Driver", func(b *testing.B) {
		d := newDriverAccounts(db)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := d.addBalance(ctx, ids[i%len(ids)], 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCount counts the 100 accounts of a branch.
func BenchmarkCount(b *testing.B) {
	client := connect(b, server(b), nil)
	db := freshDB(b, client)
	seed(b, db)
	ctx := context.Background()
	b.Run("Generated", func(b *testing.B) {
		repo := bank.NewAccountRepo(db)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			n, err := repo.Count(ctx, bank.AccountFields.Branch.Eq(branchName(i)))
			if err != nil || n != perBranch {
				b.Fatalf("counted %d, error %v; want %d", n, err, perBranch)
			}
		}
	})
	b.Run("Driver", func(b *testing.B) {
		d := newDriverAccounts(db)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			n, err := d.count(ctx, branchName(i))
			if err != nil || n != perBranch {
				b.Fatalf("counted %d, error %v; want %d", n, err, perBranch)
			}
		}
	})
}
