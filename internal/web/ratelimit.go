package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ulule/limiter/v3"
	"github.com/ulule/limiter/v3/drivers/store/memory"
)

// registrationRate bounds registrations per client address. A whole town hall may sit behind one
// address, so the limit stops scripts, not colleagues registering together.
var registrationRate = limiter.Rate{Period: time.Minute, Limit: 30}

// rateLimitedError is a client over its limit; it may try again after RetryAfter.
type rateLimitedError struct {
	RetryAfter time.Duration
}

func (e *rateLimitedError) Error() string { return "rate limit reached" }

// seconds is the Retry-After value: whole seconds, at least one.
func (e *rateLimitedError) seconds() string {
	return strconv.Itoa(max(int(e.RetryAfter/time.Second), 1))
}

// Question and vote rates: per participant what one person plausibly does in a lively session,
// per address enough for a room full of people behind one gateway.
var (
	questionRateParticipant = limiter.Rate{Period: time.Minute, Limit: 5}
	questionRateAddress     = limiter.Rate{Period: time.Minute, Limit: 60}
	voteRateParticipant     = limiter.Rate{Period: time.Minute, Limit: 60}
	voteRateAddress         = limiter.Rate{Period: time.Minute, Limit: 600}
)

// askLimits and voteLimits are the middleware in front of asking and voting, the same for the
// form and the API. Asking may set the participant cookie; voting needs one from a visit before.
func (s *Server) askLimits() []gin.HandlerFunc {
	return []gin.HandlerFunc{s.withParticipant, s.limitPerParticipant("question", questionRateParticipant),
		s.limitPerAddress("question-address", questionRateAddress)}
}

func (s *Server) voteLimits() []gin.HandlerFunc {
	return []gin.HandlerFunc{s.requireParticipant, s.limitPerParticipant("vote", voteRateParticipant),
		s.limitPerAddress("vote-address", voteRateAddress)}
}

// limitPerAddress returns middleware allowing each client address rate requests. Counters live in
// this process: behind a load balancer each process allows the rate, which still stops floods.
// With PODIUM_RATE_LIMITS=off it lets everything through.
func (s *Server) limitPerAddress(name string, rate limiter.Rate) gin.HandlerFunc {
	return s.limit(name, rate, func(c *gin.Context) string { return c.ClientIP() })
}

// limitPerEmail is limitPerAddress for the email address a form names, in any case.
func (s *Server) limitPerEmail(name string, rate limiter.Rate) gin.HandlerFunc {
	return s.limit(name, rate, func(c *gin.Context) string { return strings.ToLower(strings.TrimSpace(c.PostForm("email"))) })
}

// limitPerUser is limitPerAddress for the logged-in account; it runs after the login is known.
func (s *Server) limitPerUser(name string, rate limiter.Rate) gin.HandlerFunc {
	return s.limit(name, rate, func(c *gin.Context) string {
		if u := currentUser(c); u != nil {
			return "user " + strconv.FormatInt(u.ID, 10)
		}
		return c.ClientIP()
	})
}

// limitPerParticipant is limitPerAddress for the participant cookie; it runs after withParticipant.
func (s *Server) limitPerParticipant(name string, rate limiter.Rate) gin.HandlerFunc {
	return s.limit(name, rate, participantOf)
}

// limit counts requests under name. Routes that do the same thing (a vote by form and by API)
// share a name and so one counter: an action counts once, whichever way it came.
func (s *Server) limit(name string, rate limiter.Rate, key func(*gin.Context) string) gin.HandlerFunc {
	if !s.cfg.RateLimits {
		return func(c *gin.Context) { c.Next() }
	}
	l := s.limiters[name]
	if l == nil {
		l = limiter.New(memory.NewStoreWithOptions(limiter.StoreOptions{Prefix: name, CleanUpInterval: time.Minute}), rate)
		s.limiters[name] = l
	} else if l.Rate != rate {
		panic("web: rate limit " + name + " registered with two rates") // a programming slip, caught by every test
	}
	return func(c *gin.Context) {
		res, err := l.Get(c.Request.Context(), key(c))
		if err != nil {
			s.respondError(c, err)
			return
		}
		if res.Reached {
			wait := time.Until(time.Unix(res.Reset, 0)).Round(time.Second)
			limited := &rateLimitedError{RetryAfter: wait}
			if strings.HasPrefix(c.Request.URL.Path, "/api/") {
				s.respondError(c, limited)
			} else {
				s.pageError(c, limited)
			}
			c.Abort()
			return
		}
		c.Next()
	}
}
