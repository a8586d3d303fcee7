-- story_add_source: see storyAddSourceScript in store/stories.go.
-- include: story_common
return add_source(KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5])
