"""What learners do: attempts at quizzes and exams (labs are in lti_tool.grading)."""
