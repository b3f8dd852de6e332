package valence

import (
	"context"
	"sync"
)

// connCache keeps one connection per pod manager and replaces it when the
// pod manager's access (URL, credentials, TLS) changes.
type connCache struct {
	connector Connector
	mu        sync.Mutex
	conns     map[string]cachedConn
}

type cachedConn struct {
	access Access
	conn   PodManagerConn
}

func newConnCache(c Connector) *connCache {
	return &connCache{connector: c, conns: map[string]cachedConn{}}
}

// get returns the cached connection for pm or makes one. Connecting and
// closing happen outside the lock, so that one slow or hung pod manager
// does not stall the others.
func (c *connCache) get(ctx context.Context, pm PodManager) (PodManagerConn, error) {
	access := pm.Access()
	c.mu.Lock()
	cached, ok := c.conns[pm.UUID]
	c.mu.Unlock()
	if ok && cached.access == access {
		return cached.conn, nil
	}
	conn, err := c.connector.Connect(ctx, access)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	now, ok := c.conns[pm.UUID]
	if ok && now.access == access {
		c.mu.Unlock()
		conn.Close() // another request connected first; keep theirs
		return now.conn, nil
	}
	c.conns[pm.UUID] = cachedConn{access: access, conn: conn}
	c.mu.Unlock()
	if ok {
		now.conn.Close() // made with access that has since changed
	}
	return conn, nil
}

// drop forgets the connection of a pod manager and closes it.
func (c *connCache) drop(podmID string) {
	c.mu.Lock()
	cached, ok := c.conns[podmID]
	delete(c.conns, podmID)
	c.mu.Unlock()
	if ok {
		cached.conn.Close()
	}
}

// closeAll forgets and closes every connection.
func (c *connCache) closeAll() {
	c.mu.Lock()
	all := c.conns
	c.conns = map[string]cachedConn{}
	c.mu.Unlock()
	for _, cached := range all {
		cached.conn.Close()
	}
}
