// Placeholder: tests for include/scep/subject.hpp come with its implementation.
