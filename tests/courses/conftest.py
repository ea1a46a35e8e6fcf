def start(client, course_page):
    return client.post(course_page.url, {"action": "start"})


def finish(client, lesson):
    return client.post(lesson.url, {"action": "done"})
