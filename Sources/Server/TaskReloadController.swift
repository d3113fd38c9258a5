// `POST /v1/tasks/reload`: rescans the tasks directory now (what SIGHUP and `--tasks-rescan-ms` also do) and
// answers what changed. An admin route (AccessMiddleware); it reads the directory and never writes it.
import Engine
import Hummingbird
import ServerAPI

struct TaskReloadController {
    let service: any InferenceService

    func addRoutes(to router: Router<AlbumRequestContext>) {
        router.post("/v1/tasks/reload") { _, _ in JSONBody.response(try await service.reloadTasks()) }
    }
}
