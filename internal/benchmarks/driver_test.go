package benchmarks

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/benchmarks/bank"
)

// driverAccounts is the baseline: what a careful person writes by hand on a
// mongo.Collection to do what the generated AccountRepo does, with the same
// documents, the same commands (TestSameCommands checks it) and the same
// result types, and nothing more: errors come back unwrapped, no context is
// bound to a transaction.
type driverAccounts struct {
	coll *mongo.Collection
}

func newDriverAccounts(db *mongo.Database) driverAccounts {
	return driverAccounts{coll: db.Collection("accounts")}
}

// now is the stamp the repository writes: BSON dates hold milliseconds.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func (d driverAccounts) insert(ctx context.Context, a *bank.Account) error {
	if a.ID.IsZero() {
		a.ID = bson.NewObjectID()
	}
	t := now()
	a.Created, a.Updated, a.Version = t, t, 1
	_, err := d.coll.InsertOne(ctx, (*plainAccount)(a))
	return err
}

func (d driverAccounts) get(ctx context.Context, id bson.ObjectID) (*bank.Account, error) {
	a := new(plainAccount)
	if err := d.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(a); err != nil {
		return nil, err
	}
	return (*bank.Account)(a), nil
}

func (d driverAccounts) find(ctx context.Context, branch string) ([]*plainAccount, error) {
	cur, err := d.coll.Find(ctx, bson.D{{Key: "branch", Value: branch}})
	if err != nil {
		return nil, err
	}
	var as []*plainAccount
	if err := cur.All(ctx, &as); err != nil {
		return nil, err
	}
	return as, nil
}

// addBalance is UpdateByID with Balance.Inc(delta): the repository also sets
// Updated and increments Version, so the hand-written update does as well.
func (d driverAccounts) addBalance(ctx context.Context, id bson.ObjectID, delta int64) error {
	res, err := d.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
		{Key: "$inc", Value: bson.D{{Key: "balance", Value: delta}, {Key: "version", Value: int64(1)}}},
		{Key: "$set", Value: bson.D{{Key: "updated", Value: now()}}},
	})
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		return mongo.ErrNoDocuments
	}
	return nil
}

func (d driverAccounts) count(ctx context.Context, branch string) (int64, error) {
	return d.coll.CountDocuments(ctx, bson.D{{Key: "branch", Value: branch}})
}

// replace is Replace: the stored account must still be at a's version,
// which it bumps, with the updated stamp; a failed write leaves a as it
// was.
func (d driverAccounts) replace(ctx context.Context, a *bank.Account) error {
	version, updated := a.Version, a.Updated
	a.Version, a.Updated = version+1, now()
	res, err := d.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: a.ID}, {Key: "version", Value: version}}, (*plainAccount)(a))
	if err == nil && res.MatchedCount == 0 {
		err = mongo.ErrNoDocuments
	}
	if err != nil {
		a.Version, a.Updated = version, updated
	}
	return err
}
