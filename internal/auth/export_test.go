package auth

// ThrottledNames returns how many login names the throttle tracks.
func ThrottledNames(s *Service) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.names)
}

// Allow takes one sign-in attempt for name from the throttle.
func Allow(s *Service, name string) bool { return s.allow(name) }
