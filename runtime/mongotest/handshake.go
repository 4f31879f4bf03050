package mongotest

import (
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func init() {
	register(command{run: (*Server).buildInfo, locks: lockNothing}, "buildInfo", "buildinfo")
	register(command{run: (*Server).getParameter, adminOnly: true, locks: lockNothing}, "getParameter")
}

// The handshake: what a driver asks before its first real command (hello,
// buildInfo) and what test harnesses read of the server's configuration
// (getParameter).

// maxHelloHold bounds how long a streaming hello is held: it is how long
// the driver takes to trust the server again after a "not primary" or
// "shutting down" error from a fail point.
const maxHelloHold = 100 * time.Millisecond

func (s *Server) hello(c *conn, m *message, name string) (bson.D, error) {
	if client, ok := lookup(m.body, "client").(bson.D); ok {
		if app, ok := lookup(client, "application").(bson.D); ok {
			c.appName, _ = lookup(app, "name").(string)
		}
	}
	if _, ok := lookup(m.body, "topologyVersion").(bson.D); ok {
		// A streaming monitor: the topology never changes, so hold the
		// reply as mongod does, but for at most maxHelloHold: after a fail
		// point's state-change error the driver marks the server unknown
		// until this reply comes.
		if wait, ok := wholeNumber(lookup(m.body, "maxAwaitTimeMS")); ok && wait > 0 {
			d := min(time.Duration(wait)*time.Millisecond, maxHelloHold)
			if !s.sleep(d) {
				return nil, errCloseConn
			}
		}
	}
	res := bson.D{{Key: "helloOk", Value: true}}
	if name == "hello" {
		res = append(res, bson.E{Key: "isWritablePrimary", Value: true})
	} else {
		res = append(res, bson.E{Key: "ismaster", Value: true})
	}
	res = append(res,
		bson.E{Key: "topologyVersion", Value: bson.D{{Key: "processId", Value: s.processID}, {Key: "counter", Value: int64(0)}}},
		bson.E{Key: "hosts", Value: bson.A{s.addr}},
		bson.E{Key: "setName", Value: s.opts.ReplicaSet},
		bson.E{Key: "setVersion", Value: int32(1)},
		bson.E{Key: "secondary", Value: false},
		bson.E{Key: "primary", Value: s.addr},
		bson.E{Key: "me", Value: s.addr},
		bson.E{Key: "electionId", Value: s.processID},
		bson.E{Key: "maxBsonObjectSize", Value: int32(maxBSONSize)},
		bson.E{Key: "maxMessageSizeBytes", Value: int32(maxMessageSize)},
		bson.E{Key: "maxWriteBatchSize", Value: int32(100000)},
		bson.E{Key: "localTime", Value: bson.NewDateTimeFromTime(time.Now())},
		bson.E{Key: "logicalSessionTimeoutMinutes", Value: int32(30)},
		bson.E{Key: "connectionId", Value: c.id},
		bson.E{Key: "minWireVersion", Value: int32(0)},
		bson.E{Key: "maxWireVersion", Value: int32(25)},
		bson.E{Key: "readOnly", Value: false},
	)
	return s.reply(nil, res, nil), nil
}

func (s *Server) buildInfo(*request) (bson.D, error) {
	return bson.D{
		{Key: "version", Value: "8.0.0"},
		{Key: "gitVersion", Value: "mongotest"},
		{Key: "versionArray", Value: bson.A{int32(8), int32(0), int32(0), int32(0)}},
		{Key: "bits", Value: int32(64)},
		{Key: "maxBsonObjectSize", Value: int32(maxBSONSize)},
		{Key: "storageEngines", Value: bson.A{"mongotest"}},
	}, nil
}

// parameters are the server parameters getParameter reports, with the
// values mongod would have for this server's behaviour.
func (s *Server) parameters() bson.D {
	return bson.D{
		{Key: "authenticationMechanisms", Value: bson.A{}},
		{Key: "enableTestCommands", Value: true}, // configureFailPoint exists
		{Key: "featureCompatibilityVersion", Value: bson.D{{Key: "version", Value: "8.0"}}},
		{Key: "maxBSONDepth", Value: int32(maxMessageDepth)},
		{Key: "requireApiVersion", Value: false},
		{Key: "transactionLifetimeLimitSeconds", Value: int32(s.opts.TransactionLifetime / time.Second)},
	}
}

// getParameter answers {getParameter: "*"} with every parameter, and
// {getParameter: 1, name: 1, ...} with the named ones, as mongod does.
func (s *Server) getParameter(req *request) (bson.D, error) {
	all := s.parameters()
	switch v := req.body[0].Value.(type) {
	case string:
		if v == "*" {
			return all, nil
		}
	case bson.D:
		if has(v, "showDetails") || has(v, "allParameters") {
			return nil, errorf(codeBadValue, "mongotest does not support getParameter's showDetails and allParameters options")
		}
	}
	var out bson.D
	for _, e := range req.body[1:] {
		if e.Key == "comment" || e.Key == "$db" || e.Key == "lsid" || e.Key == "$clusterTime" || e.Key == "$readPreference" {
			continue
		}
		i := slices.IndexFunc(all, func(p bson.E) bool { return p.Key == e.Key })
		if i < 0 {
			continue // mongod skips unknown names and fails only when none is known
		}
		out = append(out, all[i])
	}
	if len(out) == 0 {
		return nil, errorf(codeInvalidOptions, "no option found to get")
	}
	return out, nil
}
